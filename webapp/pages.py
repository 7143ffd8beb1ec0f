"""The HTML pages: the drawing canvas and "How it works"."""
from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/how")
def how():
    return render_template("how.html")
