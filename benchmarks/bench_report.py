"""The Markdown table of a benchmark run (``latest.md``), from the results ``run.py`` collected."""


def _ratio(r):
    if r is None:
        return "–"
    return f"**{r['median']:.2f}x** ({r['p25']:.2f}–{r['p75']:.2f})"


def _met(flag):
    return "–" if flag is None else ("✅ met" if flag else "❌ missed")


def _target(t):
    return "–" if t is None else f"≤ {t:g}x"


def machine_block(m):
    blas = m.get("blas", {})
    blas_text = (f"{blas.get('library')} {blas.get('version')}, kernel **{blas.get('kernel')}**, "
                 f"{blas.get('threads')} threads" if "library" in blas else blas.get("note", "unknown"))
    threads = m.get("threads", {})
    settings = " and ".join(f"{n} thread{'s' if n > 1 else ''}" for n in threads.get("settings", []))
    env = ", ".join(f"{k}={v}" for k, v in m.get("env", {}).items()) or "none set"
    lines = [
        f"- **Machine**: {m['cpu']}, {m['usable_cpus']} usable of {m['logical_cpus']} logical CPUs, {m['os']}; "
        f"load average {m.get('load_average_at_start')} at start, {m.get('load_average_at_end')} at end",
        f"- **Software**: Python {m['python']}, NumPy {m['numpy']}, PyTorch {m['torch']}, Keras {m['keras']} "
        f"({threads.get('keras', {}).get('backend', 'not installed')} backend), matplotlib {m['matplotlib']}",
        f"- **Threads**: every contender runs with NumPy's BLAS and PyTorch set to the same count: {settings}",
        f"- **BLAS (NumPy)**: {blas_text}; environment: {env}",
        f"- **Run**: `{m['argv']}` at git {m['git'].get('commit')}"
        + (" (with uncommitted engine changes in the tree)" if m['git'].get("engine_uncommitted_changes") else "")
        + f", {m['date']}, {m.get('benchmark_seconds')} s",
    ]
    return lines


def comparison_table(section, title, what):
    lines = [f"### {title}", "", f"| contender @threads | {section['unit']} (median) | learnnet ÷ contender at the "
             "same threads, median (p25–p75 over rounds) | same by CPU time | target | |",
             "| --- | ---: | --- | --- | --- | --- |"]
    for name, stats in section["contenders"].items():
        r, rc = section["ratios"].get(name), section.get("cpu_ratios", {}).get(name)
        extra = f" ({stats['samples_per_second']:,.0f} samples/s)" if "samples_per_second" in stats else ""
        lines.append(f"| {name} | {stats['median']:.3g}{extra} | {_ratio(r) if r else '(itself)'} | "
                     f"{_ratio(rc) if rc else ''} | {_target(r['target']) if r else ''} | {_met(r['met']) if r else ''} |")
    lines += ["", what, ""]
    return lines


def _ratio_rows(section, family):
    """learnnet's ratio against ``family`` at each thread setting: [(threads, ratio stats)]."""
    return [(name.split(" @")[1], r) for name, r in section["ratios"].items() if name.split(" @")[0] == family]


def summary_rows(results):
    """One row per target of issue #6 (and thread setting): what was measured, the target, met or not."""
    rows = []

    def ratio_row(label, section, family):
        for threads, r in _ratio_rows(section, family):
            rows.append((f"{label} [{threads}]", f"{r['median']:.2f}x ({r['p25']:.2f}–{r['p75']:.2f})",
                         _target(r["target"]), _met(r["met"])))

    if "mlp" in results:
        for family, name in (("numpy", "NumPy floor"), ("torch", "PyTorch eager"), ("keras", "Keras 3 fit")):
            ratio_row(f"1. MLP training step, learnnet ÷ {name}", results["mlp"], family)
    if "cnn" in results:
        ratio_row("2. CNN training step, learnnet ÷ PyTorch eager", results["cnn"], "torch")
    if "predict" in results:
        for family, name in (("numpy", "NumPy floor"), ("torch", "PyTorch"), ("keras", "Keras 3")):
            ratio_row(f"3. MLP predict (batch 256), learnnet ÷ {name}", results["predict"]["mlp"], family)
        ratio_row("3. CNN predict (batch 256), learnnet ÷ PyTorch", results["predict"]["cnn"], "torch")
    if "widgets" in results:
        w = results["widgets"]
        if w["widgets"]:
            name, st = max(w["widgets"].items(), key=lambda kv: kv[1]["median_ms"])
            rows.append((f"4. Slowest widget median, control → redraw, CPU time ({name})",
                         f"{st['median_ms']:.1f} ms (p95 {st['p95_ms']:.1f})", f"≤ {w['target_median_ms']} ms",
                         _met(all(x["met"] for x in w["widgets"].values()))))
        pg = w["playground"]
        rows.append(("4. Playground redrawn training steps/s (CPU time)",
                     f"{pg['steps_per_second']:.1f}" if "steps_per_second" in pg else "not measured",
                     "≥ 20", _met(pg.get("met"))))
    if "lessons" in results:
        les = results["lessons"]
        rows.append((f"5. Lesson suite ({len(les['seconds_by_lesson'])} notebooks; slowest {les['slowest']})",
                     f"{les['total_seconds']:.1f} s", f"≤ {les['target_seconds']} s", _met(les["met"])))
    if "memory" in results:
        st = results["memory"]["contenders"].get("learnnet", {})
        if "training_peak_mb" in st and st["training_peak_mb"] is not None:
            torch_st = results["memory"]["contenders"].get("torch", {})
            extra = (f" (PyTorch {torch_st['training_peak_mb']:.1f} MB)"
                     if torch_st.get("training_peak_mb") is not None else "")
            rows.append(("6. Peak memory of training the CNN (extra resident)",
                         f"{st['training_peak_mb']:.1f} MB{extra}", "–", "–"))
    return rows


def markdown(results):
    s = results["settings"]
    out = ["# learnnet benchmarks", ""]
    out += machine_block(results["machine"])
    rows = summary_rows(results)
    if rows:
        out += ["", "| what (issue #6) | measured: median (p25–p75) | target | |", "| --- | --- | --- | --- |"]
        out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    out += ["", "Ratios are learnnet's time divided by the contender's, measured in the same round "
            "(contenders alternate round-robin): below 1 means learnnet is faster.", ""]
    for note in results.get("notes", []):
        out.append(f"> {note}")
    if "mlp" in results:
        out += comparison_table(results["mlp"], "1. Training step: the course's MLP",
                                f"100-64-32-10, relu-relu-softmax, categorical cross-entropy, Adam, batch 32, "
                                f"one `fit` epoch of {s['mlp_samples']} samples per round, {s['mlp_rounds']} rounds.")
    if "cnn" in results:
        out += comparison_table(results["cnn"], "2. Training step: a small CNN",
                                "28x28x1 → Conv2D(8, 3, same)-relu → MaxPooling2D → Conv2D(16, 3, same)-relu → "
                                f"MaxPooling2D → Flatten → Dense(10) softmax; SGD, batch 32; one `fit` epoch of "
                                f"{s['cnn_samples']} samples per round, {s['cnn_rounds']} rounds. "
                                "(Keras: for information, no target.)")
    if "predict" in results:
        p = results["predict"]
        out += comparison_table(p["mlp"], "3a. `predict` throughput, MLP, batch 256",
                                f"{s['predict_mlp_samples']} samples per round, {s['predict_rounds']} rounds. "
                                "The issue sets no separate predict targets; the training ones are shown.")
        out += comparison_table(p["cnn"], "3b. `predict` throughput, CNN, batch 256",
                                f"{s['predict_cnn_samples']} samples per round, {s['predict_rounds']} rounds.")
    if "widgets" in results:
        w = results["widgets"]
        out += ["### 4. Widgets: control change → redrawn figure (Agg canvas)", "",
                "| widget | changes | median ms | p95 ms | max ms | wall clock median / p95 ms | "
                f"slowest control (median / p95 ms) | median ≤ {w['target_median_ms']} ms |",
                "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
        for name, st in w["widgets"].items():
            out.append(f"| {name} | {st['changes']} | {st['median_ms']:.1f} | {st['p95_ms']:.1f} | "
                       f"{st['max_ms']:.1f} | {st['wall_median_ms']:.1f} / {st['wall_p95_ms']:.1f} | "
                       f"{st['slowest_control']} ({st['slowest_control_median_ms']:.1f} / "
                       f"{st['slowest_control_p95_ms']:.1f}) | {_met(st['met'])} |")
        for name, err in w["errors"].items():
            out.append(f"| {name} | – | – | – | – | – | not timed: {err.splitlines()[0]} | – |")
        out += ["", "Every slider swept in small steps both ways, every option of every dropdown. Times are the "
                "CPU time of the thread that updates and redraws (the latency on an idle core); the wall clock, "
                "which on this shared machine includes waiting for a CPU, is shown beside them."]
        pg = w["playground"]
        if "steps_per_second" in pg:
            out += ["", f"Playground ({pg['widget']}): **{pg['steps_per_second']:.1f}** redrawn training steps/s "
                        f"by CPU time ({pg['wall_steps_per_second']:.1f} by the wall clock), {pg['steps']} calls of "
                        f"`step()` (one epoch + redraw); target ≥ {pg['target']}: {_met(pg['met'])}."]
        else:
            out += ["", f"Playground: not measured — {pg.get('skipped') or pg.get('error')}."]
        out += [""]
    if "lessons" in results:
        les = results["lessons"]
        out += ["### 5. Lesson suite: every notebook in a fresh kernel", "",
                "| lesson | wall seconds | kernel CPU seconds |", "| --- | ---: | ---: |"]
        cpu = les.get("kernel_cpu_seconds_by_lesson", {})
        for name, sec in les["seconds_by_lesson"].items():
            out.append(f"| {name}{' (FAILED)' if name in les['failed'] else ''} | {sec:.1f} | "
                       f"{cpu.get(name, float('nan')):.1f} |")
        out += [f"| **total** | **{les['total_seconds']:.1f}** | {les.get('kernel_cpu_total_seconds', 0):.1f} |", "",
                f"Target ≤ {les['target_seconds']} s: {_met(les['met'])}; slowest: {les['slowest']} "
                f"({les['slowest_seconds']} s)."]
        if les["missing"]:
            out.append(f"Not written yet (not timed): lessons {', '.join(les['missing'])}.")
        for name, err in les["failed"].items():
            out.append(f"- {name} failed: {err}")
        out += [""]
    if "memory" in results:
        m = results["memory"]
        out += ["### 6. Peak memory of training the CNN", "",
                "| contender | resident before training (MB) | extra peak during training (MB) | "
                "tracemalloc peak (MB) |", "| --- | ---: | ---: | ---: |"]
        for name, st in m["contenders"].items():
            if "error" in st:
                out.append(f"| {name} | error: {st['error']} | | |")
                continue
            tm = "–" if st["tracemalloc_peak_mb"] is None else f"{st['tracemalloc_peak_mb']:.1f}"
            peak = "–" if st["training_peak_mb"] is None else f"{st['training_peak_mb']:.1f}"
            out.append(f"| {name} | {st['rss_before_mb']:.0f} | {peak} | {tm} |")
        out += ["", f"One epoch of {m['samples']} samples, batch 32, in a fresh process per contender.", ""]
    return "\n".join(out) + "\n"
