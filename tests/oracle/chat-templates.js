// References for the chat templates (tests/chat-templates/, see its README): renders the fixed
// conversations of tests/chat-templates/conversations.json
//   - through node-llama-cpp's own chat wrapper of each family (families.json), written as LlamaText JSON
//     to references/node-llama-cpp.json: special-token text, BOS and plain text stay apart;
//   - through every template file of templates/ with Python's jinja2 (render_jinja.py, run as
//     transformers runs chat templates), written to references/jinja2.json.
// It first writes the templates embedded in the GGUF files of models/manifest.json that families.json
// lists (a missing model keeps the committed file and is reported).
//
//   cd tests/oracle && npm install && npm run chat-templates
//   PYTHON=/path/to/venv/bin/python npm run chat-templates     # jinja2 from tests/chat-templates/requirements.txt
//
// No model is loaded: the wrappers and the GGUF metadata reader are plain JavaScript.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import models from "../../scripts/lib/models.js";

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD ??= "true";
const nlc = await import("node-llama-cpp");
const { readGgufFileInfo } = nlc;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..");
const DIR = path.join(REPO, "tests", "chat-templates");
const PYTHON = process.env.PYTHON ?? "python3";
const GENERATOR = "node-llama-cpp 3.22.1";
const JINJA2 = "3.1.6";

const readJson = (f) => JSON.parse(readFileSync(path.join(DIR, f), "utf8"));
const families = readJson("families.json");
const { conversations } = readJson("conversations.json");
const templateText = (file) => readFileSync(path.join(DIR, "templates", file), "utf8");
const rel = (f) => path.relative(REPO, f);
const json = (x) => JSON.stringify(x, null, 2) + "\n";

// 1. Templates embedded in our model files.
for (const m of families.models) {
    if (m.template == null)
        continue;
    const why = models.absent(m.id);
    const out = path.join(DIR, "templates", m.template);
    if (why) {
        console.log(`[${m.template}] kept as committed: ${why}`);
        continue;
    }
    const info = await readGgufFileInfo(models.modelPath(m.id), { readTensorInfo: false });
    const text = info.metadata?.tokenizer?.chat_template;
    if (typeof text !== "string")
        throw new Error(`${models.modelPath(m.id)} has no tokenizer.chat_template, but families.json says ${m.template}`);
    await writeFile(out, text);
    console.log(`[${m.template}] written from ${rel(models.modelPath(m.id))} (${text.length} characters)`);
}

// 2. node-llama-cpp's wrappers. The history ends with an empty model response: the generation prompt,
// as LlamaChat asks for the next reply. A wrapper cannot leave a closed last turn, so conversations
// without a generation prompt are not rendered.
const toHistory = (messages) => [
    ...messages.map((m) => {
        if (m.role === "system") return { type: "system", text: m.content };
        if (m.role === "user") return { type: "user", text: m.content };
        if (m.role === "assistant") return { type: "model", response: [m.content] };
        throw new Error(`role ${m.role}`);
    }),
    { type: "model", response: [] }
];
const wrapperRefs = {};
for (const f of families.families) {
    const { name, options } = f.wrapper;
    const Wrapper = nlc[name];
    if (typeof Wrapper !== "function")
        throw new Error(`node-llama-cpp has no ${name}`);
    const resolved = { ...options };
    if (name === "JinjaTemplateChatWrapper")
        resolved.template = templateText(options.template);
    const wrapper = new Wrapper(resolved);
    const renders = {};
    for (const c of conversations) {
        if (!c.add_generation_prompt)
            continue;
        renders[c.name] = wrapper.generateContextState({ chatHistory: toHistory(c.messages) }).contextText.toJSON();
    }
    wrapperRefs[f.family] = { wrapper: name, options, renders };
    console.log(`[${f.family}] ${name}: ${Object.keys(renders).length} conversations`);
}
await writeFile(path.join(DIR, "references", "node-llama-cpp.json"), json({
    _comment: "node-llama-cpp's chat wrappers on tests/chat-templates/conversations.json, as LlamaText JSON (strings: plain text; specialTokensText: template text; specialToken: BOS/EOS by name). Written by tests/oracle/chat-templates.js.",
    generator: GENERATOR,
    families: wrapperRefs
}));

// 3. jinja2.
const job = {
    date: families.date,
    templates: families.templates.map((t) => ({
        file: t.file,
        text: templateText(t.file),
        bos_token: t.bos_token,
        eos_token: t.eos_token
    })),
    conversations
};
const py = spawnSync(PYTHON, [path.join(DIR, "render_jinja.py")], { input: JSON.stringify(job), encoding: "utf8", maxBuffer: 64 << 20 });
if (py.status !== 0)
    throw new Error(`${PYTHON} render_jinja.py failed (pip install -r tests/chat-templates/requirements.txt?):\n${py.stderr}`);
const rendered = JSON.parse(py.stdout);
if (rendered.jinja2 !== JINJA2)
    throw new Error(`jinja2 ${rendered.jinja2} found, the references are made with ${JINJA2} (tests/chat-templates/requirements.txt)`);
const jinjaRefs = {};
for (const t of families.templates) {
    jinjaRefs[t.file] = { bos_token: t.bos_token, eos_token: t.eos_token, renders: rendered.templates[t.file] };
    const errors = Object.entries(rendered.templates[t.file]).filter(([, r]) => r.error != null);
    console.log(`[${t.file}] jinja2: ${Object.keys(rendered.templates[t.file]).length} conversations` +
        (errors.length > 0 ? `, refused ${errors.map(([n]) => n).join(", ")} (${errors[0][1].error})` : ""));
}
await writeFile(path.join(DIR, "references", "jinja2.json"), json({
    _comment: "Every template of tests/chat-templates/templates/ on conversations.json, rendered by render_jinja.py (jinja2 as transformers' apply_chat_template runs it: trim_blocks, lstrip_blocks, enable_thinking=False, strftime_now on `date`). {error, folded}: the template raised; folded is the rendering with system messages joined to the next user message. Written by tests/oracle/chat-templates.js.",
    renderer: `jinja2 ${rendered.jinja2} (Python ${spawnSync(PYTHON, ["-c", "import platform; print(platform.python_version())"], { encoding: "utf8" }).stdout.trim()})`,
    date: families.date,
    templates: jinjaRefs
}));

// 4. How the wrappers compare with the family references (the Rust test checks the same, exactly).
const flatten = (llamaText, bos) => llamaText.map((v) => {
    if (typeof v === "string") return v;
    if (v.type === "specialTokensText") return v.value;
    if (v.type === "specialToken" && v.value === "BOS") return bos;
    throw new Error(`unexpected ${JSON.stringify(v)}`);
}).join("");
let surprises = 0;
for (const f of families.families) {
    const ref = jinjaRefs[f.reference].renders;
    for (const [name, lt] of Object.entries(wrapperRefs[f.family].renders)) {
        const same = flatten(lt, f.wrapper.bos) === ref[name]?.text;
        const documented = f.wrapper.differs[name] != null;
        if (same === documented) {
            surprises++;
            console.error(`[${f.family}] ${name}: the wrapper ${same ? "now matches (remove it from differs)" : "differs (undocumented)"}:\n` +
                `  wrapper: ${JSON.stringify(flatten(lt, f.wrapper.bos))}\n  ${f.reference}: ${JSON.stringify(ref[name]?.text)}`);
        }
    }
}
if (surprises > 0)
    process.exitCode = 1;
console.log(`wrote ${rel(path.join(DIR, "references"))}/node-llama-cpp.json and jinja2.json${surprises ? `; ${surprises} surprise(s)` : ""}`);
