"""Renders chat templates with Python's jinja2 the way transformers' apply_chat_template does, for
tests/oracle/chat-templates.js (see README.md). Reads a JSON job on stdin, writes the renderings as JSON
on stdout:

    {"date": [2024, 7, 26],
     "templates": [{"file": "x.jinja", "text": "...", "bos_token": "...", "eos_token": "..."}],
     "conversations": [{"name": "...", "messages": [{"role": "...", "content": "..."}],
                        "add_generation_prompt": true}]}
 -> {"jinja2": "3.1.6", "templates": {"x.jinja": {"<conversation>": {"text": "..."}}}}

transformers compiles templates in an ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and
the loopcontrols extension, gives them raise_exception and strftime_now, and a tojson that keeps
non-ASCII text. We also pass enable_thinking=False (Samsara never asks Qwen3 to think). A template that
raises gets {"error": message, "folded": text}: `folded` renders the conversation again with every system
message joined to the next user message by a blank line, which is what native/src/template.rs does
when a template refuses a system message (Gemma 2's does).
"""

import datetime
import json
import sys

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class TemplateError(Exception):
    pass


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def fold_system(messages):
    out, pending = [], None
    for m in messages:
        if m["role"] == "system":
            pending = m["content"] if pending is None else pending + "\n\n" + m["content"]
        elif m["role"] == "user":
            content = m["content"] if pending is None else pending + "\n\n" + m["content"]
            pending = None
            out.append({"role": "user", "content": content})
        else:
            out.append(dict(m))
    if pending is not None:
        out.append({"role": "user", "content": pending})
    return out


def main():
    job = json.load(sys.stdin)
    today = datetime.date(*job["date"])
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: today.strftime(fmt)
    out = {"jinja2": jinja2.__version__, "templates": {}}
    for t in job["templates"]:
        template = env.from_string(t["text"])

        def render(messages, add_generation_prompt):
            return template.render(
                messages=messages,
                add_generation_prompt=add_generation_prompt,
                bos_token=t["bos_token"],
                eos_token=t["eos_token"],
                enable_thinking=False,
            )

        renders = {}
        for c in job["conversations"]:
            try:
                renders[c["name"]] = {"text": render(c["messages"], c["add_generation_prompt"])}
            except TemplateError as e:
                renders[c["name"]] = {
                    "error": str(e),
                    "folded": render(fold_system(c["messages"]), c["add_generation_prompt"]),
                }
        out["templates"][t["file"]] = renders
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
