using System.Text;
using DevServe.Hosting;

namespace DevServe.Cli;

/// <summary>
/// The prompt of <c>devserve repl</c>: reads entries (more lines until the code is complete), runs them, prints
/// what they did, hands each new <c>Start</c> to the server, and answers the <c>#</c> commands.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The gate lives as long as the prompt, which is the process's; a SemaphoreSlim without a wait handle holds nothing to free.")]
internal sealed class ReplLoop(ReplSession session, ReplServlet servlet, RequestHistory history, string baseUrl, string launchPath,
    ReplGlobals globals, ReplHistory entries, string replUrl)
{
    // One entry at a time, whether the terminal or the browser typed it: they share the session.
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Whether the entry running now came from the browser REPL (its shown pages appear there, not in a new tab).</summary>
    public bool RunningFromBrowser { get; private set; }

    private const string Help = """
        Enter C#: statements, expressions (their value is printed), and definitions. The servlet is whatever Start
        means: define Response Start(Request request) (or async Task<Response> Start, or a Func<Request, Response>
        named Start) and the server uses it at once; redefine a helper and Start sees it on the next request.
        ShowInBrowser(html) shows a page (a string, an XElement, a Response, any value).
          #load "file.csx"           run a script's code here (its Start becomes the servlet)
          #r "nuget: Name, 1.2.3"    reference a NuGet package; #r "path/lib.dll" a library
          #open                      open the servlet in the browser
          #browser                   open the REPL in the browser (the same session, the servlet beside it)
          #requests                  the last requests with status and time
          #continuations             live continuations, by instance, with their ages
          #clear                     clear the continuation tables (their pages expire)
          #reset                     forget every definition and the servlet
          #quit                      stop the server, as the page's Quit button does
          #exit                      leave (the server stops with the prompt)
          #help                      this text
        """;

    private static readonly bool s_interactive = !Console.IsInputRedirected;

    /// <summary>Runs until end of input, <c>#exit</c> or <c>#quit</c>.</summary>
    public async Task RunAsync(string? file)
    {
        Console.WriteLine("C# at the prompt; Start is the servlet. #help lists the commands.");
        if (file is not null)
        {
            await RunEntryAsync($"#load \"{file.Replace("\\", "\\\\", StringComparison.Ordinal)}\"");
        }
        if (s_interactive)
        {
            var editor = new LineEditor(ReplSession.IsComplete, CompleteAsync, entries);
            while (await editor.ReadAsync() is { } typed)
            {
                if (Command(typed.Trim()) is { } command)
                {
                    if (!await command())
                    {
                        return;
                    }
                }
                else if (!string.IsNullOrWhiteSpace(typed))
                {
                    await RunEntryAsync(typed + "\n");
                }
            }
            return;
        }
        var entry = new StringBuilder();
        while (true)
        {
            var line = Console.ReadLine();
            if (line is null)
            {
                return;   // end of input (Ctrl+D, or the end of a piped script)
            }
            if (entry.Length == 0 && Command(line.Trim()) is { } command)
            {
                if (!await command())
                {
                    return;
                }
                continue;
            }
            entry.AppendLine(line);
            var code = entry.ToString();
            if (string.IsNullOrWhiteSpace(code))
            {
                entry.Clear();
                continue;
            }
            if (!ReplSession.IsComplete(code))
            {
                continue;
            }
            entry.Clear();
            await RunEntryAsync(code);   // a piped script is not typed: it stays out of the history
        }
    }

    /// <summary>Completions at <paramref name="position"/> of <paramref name="code"/>: no gate, they only read what the session has defined.</summary>
    public Task<ReplCompletion.Result> CompleteAsync(string code, int position) => session.CompleteAsync(code, position);

    /// <summary>Runs an entry the browser REPL sent: echoed in the terminal, its outcome returned for the page.</summary>
    public async Task<ReplPage.Outcome> RunFromBrowserAsync(string code)
    {
        if (!string.IsNullOrWhiteSpace(code) && !ReplSession.IsComplete(code))
        {
            return new ReplPage.Outcome(true, null, [], null, null, []);
        }
        entries.Add(code);
        Console.WriteLine("(browser) > " + code.ReplaceLineEndings("\n. "));
        return await RunEntryAsync(code, fromBrowser: true);
    }

    private async Task<ReplPage.Outcome> RunEntryAsync(string code, bool fromBrowser = false)
    {
        await _gate.WaitAsync();
        try
        {
            RunningFromBrowser = fromBrowser;
            var shownBefore = globals.ShownCount;
            ReplResult result;
            try
            {
                result = await session.SubmitAsync(code);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var failure = $"devserve: the entry could not run: {e.GetType().Name}: {e.Message}";
                Console.WriteLine(failure);
                return new ReplPage.Outcome(false, null, [failure], null, null, []);
            }
            foreach (var error in result.Errors)
            {
                Console.WriteLine(error);
            }
            if (result.Exception is { } exception)
            {
                Console.WriteLine(exception.TrimEnd());
            }
            if (result.Value is { } value)
            {
                Console.WriteLine(value);
            }
            string? serving = null;
            if (result.StartChanged)
            {
                servlet.Use(session.Start);
                serving = $"Serving Start at {baseUrl}{launchPath} (version {servlet.VersionNumber}).";
                Console.WriteLine(serving);
            }
            var shown = Enumerable.Range(shownBefore + 1, globals.ShownCount - shownBefore).Select(n => ReplGlobals.ShowPath + n).ToList();
            return new ReplPage.Outcome(false, result.Value, result.Errors, result.Exception?.TrimEnd(), serving, shown);
        }
        finally
        {
            RunningFromBrowser = false;
            _gate.Release();
        }
    }

    // The REPL's own commands; #load and #r are C# directives and go to the session. Each says whether to go on.
    private Func<Task<bool>>? Command(string line) => line switch
    {
        "#help" => () => Say(Help),
        "#exit" => () => Task.FromResult(false),
        "#quit" => Quit,
        "#reset" => Reset,
        "#open" => Open,
        "#browser" => OpenRepl,
        "#clear" => Clear,
        "#requests" => () => Say(Requests()),
        "#continuations" => () => Say(Continuations()),
        _ => null,
    };

    private static Task<bool> Quit()
    {
        Console.WriteLine("Stopping the server.");
        return Task.FromResult(false);
    }

    private async Task<bool> Reset()
    {
        await _gate.WaitAsync();   // not in the middle of an entry the browser sent
        try
        {
            session.Reset();
            servlet.Use(null);
        }
        finally
        {
            _gate.Release();
        }
        return await Say("Every definition and the servlet are gone.");
    }

    private Task<bool> Open()
    {
        Launch.SendUrl(baseUrl + launchPath);
        return Say($"Opened {baseUrl}{launchPath}.");
    }

    private Task<bool> OpenRepl()
    {
        Launch.SendUrl(replUrl);
        return Say($"Opened {replUrl}: the same session, in the browser.");
    }

    private Task<bool> Clear()
    {
        servlet.ClearContinuations();
        return Say("Continuation tables cleared: their pages now say the page has expired.");
    }

    private static Task<bool> Say(string text)
    {
        Console.WriteLine(text);
        return Task.FromResult(true);
    }

    private string Requests()
    {
        var recent = history.Recent();
        if (recent.Count == 0)
        {
            return "No requests yet.";
        }
        var text = new StringBuilder($"The last {recent.Count} request(s):");
        foreach (var r in recent)
        {
            text.Append($"\n  {r.At:HH:mm:ss.fff}  {r.Method} {r.Target}  {(r.Status == 0 ? "no answer" : r.Status)}  {r.Elapsed.TotalMilliseconds:0.#} ms");
        }
        return text.ToString();
    }

    private string Continuations()
    {
        var all = servlet.Continuations();
        if (all.Count == 0)
        {
            return "No live continuations.";
        }
        var instances = all.GroupBy(c => c.Instance).ToList();
        var text = new StringBuilder($"{all.Count} continuation(s) in {instances.Count} instance(s):");
        foreach (var instance in instances)
        {
            text.Append($"\n  instance {instance.Key}: ")
                .AppendJoin(", ", instance.Select(c => $"k {c.Id} ({Age(c.Age)} old)"));
        }
        return text.ToString();
    }

    private static string Age(TimeSpan age) => age.TotalSeconds < 60 ? $"{age.TotalSeconds:0.#} s" : $"{(int)age.TotalMinutes} min {age.Seconds} s";
}
