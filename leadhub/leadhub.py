"""The Reflex app: pages, and the HTTP routes mounted beside them."""

import reflex as rx


def index() -> rx.Component:
    return rx.center(rx.heading("LeadHub"), height="100vh")


app = rx.App()
app.add_page(index, route="/")
