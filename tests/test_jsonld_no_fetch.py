"""JSON-LD case files are read with no network and no file access (issue 12, item 1): a
listener on 127.0.0.1 must see no connection while `imr-kg evaluate` and `imr-kg load` read a
case whose @context points at it; a file: context is refused too; the context IMR-KG bundles
resolves locally."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest
from conftest import evaluated
from rdflib import Graph
from typer.testing import CliRunner

from kg.cases.jsonld import CONTEXT_BASE
from kg.interfaces.cli import app

ROOT = Path(__file__).resolve().parent.parent
SEED_CASE = ROOT / "examples" / "seed-case.ttl"
BUNDLED = f"{CONTEXT_BASE}case.jsonld"


class Listener:
    """A TCP listener on 127.0.0.1 (port 0: any free port) that counts connections and answers
    each with a valid JSON-LD context, so that a fetch would have succeeded."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        body = json.dumps({"@context": {"imr": "https://w3id.org/imr-kg/ontology#"}}).encode()
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with connection:
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/ld+json\r\n"
                    + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                    + body
                )

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.socket.close()


@pytest.fixture
def listener():
    found = Listener()
    yield found
    found.close()


def _jsonld_case(context: object, case_id: str = "https://w3id.org/imr-kg/case/jsonld/c") -> dict:
    return {
        "@context": context,
        "@graph": [
            {
                "@id": case_id,
                "@type": "imr:Case",
                "imr:hasRequest": {"@id": f"{case_id}/request"},
            },
            {
                "@id": f"{case_id}/request",
                "@type": "imr:TreatmentRequest",
                "imr:service": {"@id": "vc:MRI"},
                "imr:bodyRegion": {"@id": "vc:CervicalSpine"},
                "imr:requestDate": {"@value": "2014-09-12", "@type": "xsd:date"},
            },
        ],
    }


def _write(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


def test_evaluate_and_load_refuse_a_remote_context_and_make_no_request(tmp_path, listener):
    url = f"http://127.0.0.1:{listener.port}/ctx.jsonld"
    case = _write(tmp_path / "remote-context.jsonld", _jsonld_case(url))
    runner = CliRunner()
    evaluated = runner.invoke(app, ["evaluate", str(case)])
    loaded = runner.invoke(app, ["load", str(case), "--store", str(tmp_path / "store")])
    assert listener.connections == 0
    refusal = (
        f"error: {case}: @context '{url}' refused: a remote context; IMR-KG reads no context "
        f"from the network or from files, only the contexts it bundles ({BUNDLED}); inline "
        "the context instead"
    )
    assert evaluated.exit_code == 2
    assert evaluated.stderr.replace("\n", "") == refusal
    assert loaded.exit_code == 2
    assert refusal in loaded.stderr.replace("\n", "")
    assert "Traceback" not in evaluated.stderr + loaded.stderr


def test_contexts_nested_in_nodes_terms_and_imports_are_refused_without_a_request(
    tmp_path, listener
):
    url = f"http://127.0.0.1:{listener.port}/ctx.jsonld"
    inline = {"imr": "https://w3id.org/imr-kg/ontology#", "vc": "https://w3id.org/imr-kg/vocab#"}
    node_context = _jsonld_case(inline)
    node_context["@graph"][1]["@context"] = [url]
    term_context = _jsonld_case({**inline, "imr:service": {"@context": url}})
    imported = _jsonld_case({"@import": url, **inline})
    for name, document in [
        ("node.jsonld", node_context),
        ("term.jsonld", term_context),
        ("import.jsonld", imported),
    ]:
        case = _write(tmp_path / name, document)
        result = CliRunner().invoke(app, ["evaluate", str(case)])
        assert result.exit_code == 2, name
        assert f"error: {case}: @context '{url}' refused: a remote context" in result.stderr
    assert listener.connections == 0


def test_a_file_context_is_refused_and_not_read(tmp_path):
    context_file = tmp_path / "ctx.jsonld"
    context_file.write_text(json.dumps({"@context": {"imr": "https://w3id.org/imr-kg/ontology#"}}))
    case = _write(tmp_path / "file-context.jsonld", _jsonld_case(context_file.as_uri()))
    relative = _write(tmp_path / "relative-context.jsonld", _jsonld_case("ctx.jsonld"))
    result = CliRunner().invoke(app, ["evaluate", str(case)])
    assert result.exit_code == 2
    assert result.stderr.replace("\n", "").startswith(
        f"error: {case}: @context '{context_file.as_uri()}' refused: a file: context; IMR-KG "
        "reads no context from the network or from files"
    )
    result = CliRunner().invoke(app, ["evaluate", str(relative)])
    assert result.exit_code == 2
    assert f"error: {relative}: @context 'ctx.jsonld' refused: a remote context" in result.stderr


def test_the_bundled_context_resolves_locally_and_screens_like_the_turtle_case(tmp_path, listener):
    """The seed case as JSON-LD with the bundled context named by its URL: the same verdicts
    as the Turtle file, and no request anywhere."""
    import kg

    context = json.loads((ROOT / "contexts" / "case.jsonld").read_text())["@context"]
    document = json.loads(
        Graph().parse(SEED_CASE).serialize(format="json-ld", context=context, auto_compact=True)
    )
    document["@context"] = BUNDLED
    case = _write(tmp_path / "seed-case.jsonld", document)
    verdicts = {r.requested_as: r.verdict for r in kg.evaluate(case).requests}
    assert verdicts == {r.requested_as: r.verdict for r in evaluated(SEED_CASE).requests}
    assert verdicts == {
        "Chirocare 2x4-6": "criteria_not_met",
        "MRI Cervical Spine": "criteria_not_met",
        "MRI Lumbar Spine": "criteria_not_met",
        "pain management consultation": "not_covered",
    }
    assert listener.connections == 0


def test_an_unresolved_context_inside_rdflib_is_refused_too(tmp_path, monkeypatch, listener):
    """The second line of defence: were a context reference to slip past the resolver, rdflib's
    own loader refuses it while a case file is parsed."""
    from kg.cases import jsonld

    monkeypatch.setattr(jsonld._Resolver, "document", lambda self, node: node)
    url = f"http://127.0.0.1:{listener.port}/ctx.jsonld"
    case = _write(tmp_path / "slipped.jsonld", _jsonld_case(url))
    result = CliRunner().invoke(app, ["evaluate", str(case)])
    assert result.exit_code == 2
    assert f"error: {case}: @context '{url}' refused: a remote context" in result.stderr
    assert listener.connections == 0
