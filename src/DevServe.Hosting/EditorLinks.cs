using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace DevServe.Hosting;

/// <summary>
/// Turns each file:line on DevServe's error pages into a link that opens the editor there: a URL the browser opens
/// (<c>vscode://file/{file}:{line}:{column}</c>, as Plug's <c>PLUG_EDITOR</c>), or a command DevServe runs itself
/// when the page posts to <see cref="OpenPath"/> (Rider, Emacs, Vim: they have no URL scheme).
/// </summary>
/// <remarks>
/// A command is split into words once and each placeholder is replaced inside its word: no shell ever reads a file
/// name. The endpoint answers only a POST from this machine, from this server's own pages (its <c>Origin</c>), with
/// this launch's token, for a file that exists.
/// </remarks>
public sealed class EditorLinks
{
    /// <summary>The path of the endpoint that runs an editor command.</summary>
    public const string OpenPath = "/__devserve/open";

    private static readonly Dictionary<string, string> s_presets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["vscode"] = "vscode://file/{file}:{line}:{column}",
        ["vscodium"] = "vscodium://file/{file}:{line}:{column}",
        ["rider"] = "rider --line {line} --column {column} {file}",
        ["emacs"] = "emacsclient -n +{line}:{column} {file}",
        ["vim"] = "gvim --remote-silent +{line} {file}",
    };

    private readonly string? _url;
    private readonly string[]? _command;

    private EditorLinks(string? url, string[]? command)
    {
        _url = url;
        _command = command;
    }

    /// <summary>The names <see cref="Parse"/> accepts besides a pattern.</summary>
    public static IReadOnlyCollection<string> Presets => s_presets.Keys;

    /// <summary>This launch's token: a page that opens the editor through the endpoint must carry it.</summary>
    public string Token { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Whether the links run a command through the endpoint (not a URL the browser opens).</summary>
    public bool RunsCommand => _command is not null;

    /// <summary>
    /// Links for <paramref name="value"/>: a preset name (<see cref="Presets"/>), a URL pattern (<c>scheme://…</c>) or a
    /// command, each with <c>{file}</c> (an absolute path), <c>{line}</c> and <c>{column}</c>.
    /// </summary>
    /// <exception cref="FormatException">The value names no file, or its quotes are not closed.</exception>
    public static EditorLinks Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var pattern = s_presets.TryGetValue(value.Trim(), out var preset) ? preset : value.Trim();
        if (!pattern.Contains("{file}", StringComparison.Ordinal))
        {
            throw new FormatException($"\"{value}\" is not an editor preset ({string.Join(", ", s_presets.Keys)}) and names no {{file}}.");
        }
        var scheme = pattern.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0 && pattern[..scheme].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
        {
            if (pattern[..scheme].Equals("javascript", StringComparison.OrdinalIgnoreCase))
            {
                throw new FormatException("An editor URL may not be a javascript: URL.");
            }
            return new EditorLinks(pattern, null);
        }
        var words = Words(pattern);
        if (words.Length == 0 || words[0].Contains('{', StringComparison.Ordinal))
        {
            throw new FormatException($"The editor command \"{value}\" must begin with the program to run, not a placeholder.");
        }
        return new EditorLinks(null, words);
    }

    /// <summary>The HTML for <paramref name="path"/>:<paramref name="line"/>:<paramref name="column"/>, a link that opens the editor there.</summary>
    internal string Link(string path, int line, int column, string text)
    {
        var shown = WebUtility.HtmlEncode(text);
        if (_url is not null)
        {
            var href = Fill(_url, EncodePath(path), line, column);
            return $"<a class=\"editor\" href=\"{WebUtility.HtmlEncode(href)}\">{shown}</a>";
        }
        return $"<a class=\"editor\" href=\"#\" data-file=\"{WebUtility.HtmlEncode(path)}\" data-line=\"{line}\" data-column=\"{column}\">{shown}</a>";
    }

    /// <summary>The script a page with command links needs: each link posts its place and the token to the endpoint.</summary>
    internal string Script() => _command is null ? "" :
        "<script>document.addEventListener(\"click\",async e=>{const a=e.target.closest(\"a.editor[data-file]\");if(!a)return;e.preventDefault();"
        + "const body=new URLSearchParams({file:a.dataset.file,line:a.dataset.line,column:a.dataset.column,token:\"" + Token + "\"});"
        + "const r=await fetch(\"" + OpenPath + "\",{method:\"POST\",body});if(!r.ok)alert(await r.text());});</script>";

    /// <summary>Serves <see cref="OpenPath"/>; other requests pass on.</summary>
    public ValueTask<Response?> Dispatch(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Path == OpenPath ? new(Open(request)) : Dispatchers.NextDispatcher;
    }

    private Response Open(Request request)
    {
        if (LocalEndpoint.Refusal(request, Token, requireOrigin: true) is { } refused)
        {
            return refused;
        }
        if (_command is null)
        {
            return LocalEndpoint.Text(404, "The editor is a URL the browser opens: nothing to run here.");
        }
        var file = request.Bindings["file"];
        if (file is null || !Path.IsPathFullyQualified(file) || !File.Exists(file)
            || !int.TryParse(request.Bindings["line"], out var line) || line < 1
            || !int.TryParse(request.Bindings["column"] ?? "1", out var column) || column < 1)
        {
            return LocalEndpoint.Text(400, "Give an existing file (an absolute path), a line and a column (from 1).");
        }
        var start = new ProcessStartInfo(Fill(_command[0], file, line, column)) { UseShellExecute = false };
        foreach (var word in _command.Skip(1))
        {
            start.ArgumentList.Add(Fill(word, file, line, column));
        }
        try
        {
            using var editor = Process.Start(start);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return LocalEndpoint.Text(502, $"The editor command {_command[0]} could not start: {e.Message}");
        }
        Console.WriteLine($"Opened {file}:{line}:{column} in {_command[0]}.");
        return LocalEndpoint.Text(200, "opened");
    }

    private static string Fill(string pattern, string file, int line, int column)
        => pattern.Replace("{file}", file, StringComparison.Ordinal).Replace("{line}", line.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{column}", column.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    // A path inside a URL: each segment escaped, the slashes kept (vscode://file//home/a b.csx would not open).
    private static string EncodePath(string path)
        => string.Join('/', path.Replace('\\', '/').Split('/').Select(s => Uri.EscapeDataString(s).Replace("%3A", ":", StringComparison.Ordinal)));

    // Words as a shell splits them, quotes and all, but nothing else a shell does.
    private static string[] Words(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in command)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (quote is not null)
        {
            throw new FormatException($"The editor command {command} has a quote that is not closed.");
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return [.. words];
    }
}
