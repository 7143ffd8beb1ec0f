"""``inkdigits serve``: the app under waitress, the model loaded before the first request."""
import time


def main(args):
    """Load the model, print the URL, serve until interrupted (args: host, port, model, database, threads)."""
    import waitress

    from recognizer import ModelError
    from webapp import create_app

    started = time.monotonic()
    config = {"MODEL_PATH": args.model}
    if args.database:
        config["DATABASE"] = args.database
    try:
        app = create_app(config)
    except ModelError as e:
        print(f"inkdigits serve: {e}", flush=True)
        return 2
    model = app.extensions["inkdigits"]["model"]["version"]
    print(f"inkdigits: model {model} loaded in {time.monotonic() - started:.1f} s; "
          f"database {app.config['DATABASE']}", flush=True)
    print(f"inkdigits: serving on http://{_url_host(args.host)}:{args.port}/", flush=True)
    # waitress reads a body before the app sees it: bound that, well above the app's own
    # limit, so bodies between the two still get the app's JSON 413.
    body_limit = max(16 * app.config["MAX_CONTENT_LENGTH"], 16 << 20)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads,
                   ident="inkdigits", max_request_body_size=body_limit, _quiet=True)
    return 0


def _url_host(host):
    if host in ("0.0.0.0", "::", ""):
        return "localhost"
    return f"[{host}]" if ":" in host else host
