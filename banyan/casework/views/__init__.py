"""Casework screens, one module per area: cases (and disputes), visits, meetings, inbox;
`public` holds the pages residents open without an account (QR intake, tracking)."""
