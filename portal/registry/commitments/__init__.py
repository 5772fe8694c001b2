"""The charter's promises checked against the register: rules from a small vocabulary, the
public board (system × commitment), and the owner mailed when a commitment stops being met."""
