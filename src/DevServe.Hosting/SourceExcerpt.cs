using System.Net;
using System.Text;

namespace DevServe.Hosting;

/// <summary>A few lines of a source file around one line, as HTML: what the compile-error and runtime-error pages show.</summary>
internal static class SourceExcerpt
{
    /// <summary>The page's shared look: both error pages use it.</summary>
    public const string Style = "body{font-family:sans-serif;margin:2em;max-width:70em}pre{background:#f6f6f6;padding:.5em;overflow-x:auto}"
        + ".bad{background:#fdd;font-weight:bold}details{margin:.5em 0}summary{cursor:pointer;color:#444}"
        + "table{border-collapse:collapse}td{border-top:1px solid #ddd;padding:.2em .6em;vertical-align:top;font-family:monospace}"
        + ".exception{font-size:1.15em}.where{color:#666;font-weight:normal}";

    /// <summary>Appends lines <paramref name="line"/> − 2 to + 2 of <paramref name="path"/>, the line itself marked; nothing when the file cannot be read.</summary>
    public static void Append(StringBuilder html, string path, int line)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return;
        }
        if (line < 1 || line > lines.Length)
        {
            return;
        }
        html.Append("<pre>");
        for (var n = Math.Max(1, line - 2); n <= Math.Min(lines.Length, line + 2); n++)
        {
            html.Append(n == line ? "<span class=\"bad\">" : "<span>")
                .Append(WebUtility.HtmlEncode($"{n,5}: {lines[n - 1]}")).Append("</span>\n");
        }
        html.Append("</pre>");
    }
}
