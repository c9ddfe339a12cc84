#!/usr/bin/env python3
"""Re-runs the outside security review's probes (issue 12) against a built binary,
as an outside tester would: over HTTP only, against `onething demo` on 127.0.0.1.

    cargo build --release -p onething
    python3 scripts/probes.py target/release/onething

Prints one line per probe and exits non-zero when any finds something.
Standard library only.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

PASSWORD = "demo-2026"
ZHANGSAN_ID = "11010519491231002X"
SCAN = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
SAMPLES = {"text": "测试", "date": "2026-02-10", "integer": "1", "money": "100.00", "boolean": "true",
           "phone": "13800138000", "id_number": ZHANGSAN_ID, "credit_code": "91350100M000100Y43", "choice": "男"}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(base, method, path, body=None, token=None, headers=None, raw=None):
    """Returns (status, headers, body as text)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method)
    if body is not None and raw is None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with OPENER.open(request, timeout=20) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


def login(api, username):
    status, _, text = call(api, "POST", "/login", {"username": username, "password": PASSWORD})
    assert status == 200, text
    return json.loads(text)["token"]


def multipart(parts):
    boundary = "probe-boundary-5f3c"
    body = b""
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += value if isinstance(value, bytes) else value.encode()
        body += b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def newborn(api, token, walk_in=None):
    answers = {"hukou_local": "yes", "parents_married": "yes", "insure_child": "yes", "maternity_claim": "yes"}
    _, _, text = call(api, "POST", "/catalog/one-things/newborn/plan", {"answers": answers})
    plan = json.loads(text)
    form = {f["element"]: SAMPLES[f["type"]] for g in plan["form"] for f in g["fields"]
            if f["source"]["kind"] == "applicant"}
    needed = [m for m in plan["materials"] if m["status"] == "needed"]
    submission = {"one_thing": "newborn", "answers": answers, "form": form,
                  "commitments": [m["id"] for m in needed if m["kind"] == "告知承诺"]}
    if walk_in:
        submission["walk_in"] = walk_in
    parts = [("submission", json.dumps(submission), None)]
    parts += [(f"material.{m['id']}", SCAN, "scan.png") for m in needed if m["kind"] != "告知承诺"]
    body, content_type = multipart(parts)
    return call(api, "POST", "/cases", token=token, raw=body, headers={"content-type": content_type})


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/onething"
    data = tempfile.mkdtemp(prefix="onething-probes-")
    server = subprocess.Popen([binary, "demo", "--listen", "127.0.0.1:0", "--data-dir", data],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              env={**os.environ, "ONETHING_LOG": "warn"})
    site = None
    for line in server.stdout:
        match = re.search(r"demo running: (http://[^/]+)/", line)
        if match:
            site = match.group(1)
            break
    api = site + "/api/v1"
    failures = []

    def check(name, ok, detail=""):
        print(("ok      " if ok else "FOUND   ") + name + ("" if ok else f"  [{detail}]"))
        if not ok:
            failures.append(name)

    try:
        # 3, 4: redirect targets.
        for back in ["/%09/evil.example", "//evil.example", "/%5C%5Cevil.example", "/%0a", "/x%0d%0aSet-Cookie:%20a=b"]:
            status, headers, _ = call(site, "GET", f"/display?mode=large&back={back}")
            location = headers.get("location") or ""
            check(f"/display back={back}: no foreign or broken redirect",
                  status < 500 and "evil" not in location and "\t" not in location and "\n" not in location,
                  f"{status} {location!r}")
        status, headers, page = call(site, "GET", "/login")
        csrf = re.search(r'name="csrf" value="([0-9a-f]{32})"', page).group(1)
        cookie = headers.get("set-cookie", "").split(";")[0]
        for nxt in ["/\t/evil.example", "/x\ny"]:
            form = urllib.parse.urlencode({"username": "lisi", "password": PASSWORD, "csrf": csrf, "next": nxt}).encode()
            status, headers, _ = call(site, "POST", "/login", raw=form, headers={
                "content-type": "application/x-www-form-urlencoded", "cookie": cookie})
            location = headers.get("location") or ""
            check(f"POST /login next={nxt!r}: no foreign or broken redirect",
                  status < 500 and "evil" not in location and "\t" not in location and "\n" not in location,
                  f"{status} {location!r}")

        # 5: a username is locked after five wrong passwords, the right one included.
        statuses = [call(api, "POST", "/login", {"username": "wangfang", "password": "wrong"})[0] for _ in range(6)]
        right = call(api, "POST", "/login", {"username": "wangfang", "password": PASSWORD})[0]
        check("login lock after five failures", statuses[:4] == [401] * 4 and statuses[4:] == [429, 429] and right == 429,
              f"{statuses} then {right}")

        # 11: personal API answers are not cached.
        token = login(api, "zhangsan")
        _, headers, _ = call(api, "GET", "/me", token=token)
        check("Cache-Control: no-store on /me", "no-store" in (headers.get("cache-control") or ""),
              headers.get("cache-control"))

        # A case to probe with, submitted with its materials.
        status, _, text = newborn(api, token)
        check("a newborn case with its materials is accepted over the API", status == 201, text[:200])
        case = json.loads(text)
        case_id = case["id"]
        # 14 (API parity): the same case without its files is refused.
        status, _, text = call(api, "POST", "/cases", {"one_thing": "newborn", "answers": case["answers"], "form": {}},
                               token=token)
        check("an application without materials is refused over the API", status == 422, text[:200])

        # 1: free-form questions over shared data are refused.
        wj = login(api, "staff-wj")
        status, _, text = call(api, "POST", f"/cases/{case_id}/tasks/GG00101001/shared-question",
                               {"expression": "size(marriage_cert_no) == 19"}, token=wj)
        check("a free-form shared-data question is refused", 400 <= status < 500 and "true" not in text, f"{status} {text[:200]}")

        # 2: outputs are masked for admins like the form.
        call(api, "POST", f"/cases/{case_id}/tasks/GG00101001/accept", {}, token=wj)
        status, _, text = call(api, "POST", f"/cases/{case_id}/tasks/GG00101001/approve",
                               {"outputs": {"child.birth_cert_no": "Q440312345"}}, token=wj)
        admin = login(api, "admin")
        _, _, text = call(api, "GET", f"/cases/{case_id}", token=admin)
        outputs = [t["outputs"] for t in json.loads(text)["tasks"] if t["item"] == "GG00101001"][0]
        shown = outputs.get("child.birth_cert_no")
        shown = shown.get("value") if isinstance(shown, dict) else shown
        check("task outputs are masked for admins", bool(shown) and "*" in shown and shown != "Q440312345",
              json.dumps(outputs, ensure_ascii=False))

        # 6: the window cannot file a case into an account under another name.
        zw = login(api, "staff-zw")
        status, _, text = newborn(api, zw, walk_in={"name": "王五", "id_number": ZHANGSAN_ID})
        check("a window submission under the wrong name is refused", status == 422 and "FIELD_NAME_MISMATCH" in text,
              f"{status} {text[:200]}")

        # 10: an invisible value is not a value.
        status, _, text = call(api, "POST", f"/cases/{case_id}/tasks/QR00201001/reject", {"reason": "\u200b"},
                               token=login(api, "staff-ga"))
        check("a reason of one zero-width space is refused", status == 422, f"{status} {text[:200]}")
    finally:
        server.terminate()
        server.wait()
    print(f"{len(failures)} found" if failures else "nothing found")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
