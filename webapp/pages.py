"""The HTML pages: the drawing canvas, "How it works", and the field inside a demo form."""
from flask import Blueprint, render_template, request

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/how")
def how():
    return render_template("how.html")


@bp.get("/demo")
def demo():
    """``<ink-number>`` in an ordinary GET form; a submission shows the fields it sent."""
    return render_template("demo.html", sent=list(request.args.items(multi=True)))
