/// The report's inline stylesheet: system fonts, one centred column, light table rules, right-aligned
/// tabular numbers. No web fonts or other external resources.
enum ReportStyle {
    static let css = """
    :root { color-scheme: light; }
    * { box-sizing: border-box; }
    body { margin: 0; background: #f5f6f8; color: #1d2026;
      font: 15px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
    main { max-width: 980px; margin: 0 auto; padding: 36px 24px 48px; }
    header { margin-bottom: 8px; }
    h1 { font-size: 28px; line-height: 1.25; font-weight: 650; margin: 0 0 6px; letter-spacing: -0.01em; }
    .subtitle { color: #5c636e; margin: 0; }
    nav.toc { margin: 18px 0 0; font-size: 14px; color: #5c636e; }
    nav.toc a { color: #2563b0; text-decoration: none; margin-right: 14px; white-space: nowrap; }
    nav.toc a:hover { text-decoration: underline; }
    section { background: #ffffff; border: 1px solid #e2e5ea; border-radius: 10px; padding: 20px 26px 10px; margin: 22px 0; }
    h2 { font-size: 19px; line-height: 1.3; font-weight: 620; margin: 0 0 14px; }
    p { margin: 0 0 14px; }
    table { border-collapse: collapse; margin: 0 0 18px; font-size: 14px; font-variant-numeric: tabular-nums; }
    caption { caption-side: top; text-align: left; color: #5c636e; font-size: 13px; padding: 0 0 6px; }
    th, td { padding: 6px 14px 6px 0; border-bottom: 1px solid #eceef1; text-align: left; vertical-align: top; }
    th:last-child, td:last-child { padding-right: 0; }
    thead th { font-size: 12.5px; font-weight: 600; color: #5c636e; border-bottom: 1px solid #cfd4da; white-space: nowrap; }
    tbody th { font-weight: 500; color: #3b414b; white-space: nowrap; }
    tbody tr:last-child th, tbody tr:last-child td { border-bottom: none; }
    .num { text-align: right; white-space: nowrap; }
    table.metrics td.num, table.metrics th.num { padding-left: 22px; }
    table.keyvalue td { word-break: break-word; }
    .missing { color: #a3a9b2; }
    pre { margin: 0 0 18px; padding: 12px 14px; background: #f6f8fa; border: 1px solid #e2e5ea; border-radius: 6px;
      overflow: auto; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
    pre.captioned { margin: 0; }
    figure { margin: 0 0 18px; }
    figure img, figure svg { display: block; max-width: 100%; height: auto; }
    figure img.pixelated { image-rendering: pixelated; }
    figcaption { color: #5c636e; font-size: 13px; margin-top: 6px; }
    figure.grid { overflow-x: auto; }
    .grid-rows { display: flex; align-items: flex-start; gap: 14px; }
    .grid-rows img { max-width: none; flex: none; }
    .row-captions { list-style: none; margin: 0; padding-left: 0; min-width: 0; font-size: 13px; color: #3b414b; }
    .row-captions li { display: flex; align-items: center; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0; margin: -8px 0 18px; font-size: 13px; color: #3b414b; }
    .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; }
    .image-row { display: flex; flex-wrap: wrap; gap: 14px 18px; margin: 0 0 18px; }
    .image-row figure { margin: 0; }
    footer { color: #8b919a; font-size: 12px; text-align: center; margin-top: 28px; }
    """
}
