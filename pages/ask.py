"""问数: a question in Chinese, answered from the figures — the sentence, the figures, the reading as chips a person
can change, a question back when a word could mean two things, a plain refusal, and a link to the page showing the
same figure. The question is in the address (?q=), so 总览's box and a shared link open it answered."""

import streamlit as st

from ui import ask, data, frame

frame.page_header("问数")
ask.style()
if not data.months():
    frame.no_data()
    st.stop()

question = ask.question_box()
ask.example_pills()
if not question:
    st.caption(ask.HOW)
    st.stop()

changed = ask.changes()
result = ask.answer_of(question, changed)
ask.audit(result, changed)
ask.answer_card(result, changed)
