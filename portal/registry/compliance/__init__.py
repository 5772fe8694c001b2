"""The compliance pack of an entry: documents generated from the register's fields, each field
that the law asks for and the entry lacks marked "à compléter", never invented."""
