"""Streamlit pieces the pages share. Never runs SQL itself: everything goes through civdash."""
