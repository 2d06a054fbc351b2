"""Entry point for `streamlit run streamlit_app.py`: the dashboard router (see app_pages/)."""

import streamlit as st

st.set_page_config(page_title="Candidate assessment tracker", page_icon=":material/fact_check:")
st.title("Candidate assessment tracker")
st.write("Parse job postings into bilingual rubrics and score candidates fairly. The dashboard is coming.")
