using System.Text;
using DevServe.Hosting;

namespace DevServe.Cli;

/// <summary>
/// The prompt of <c>devserve repl</c>: reads entries (more lines until the code is complete), runs them, prints
/// what they did, hands each new <c>Start</c> to the server, and answers the <c>#</c> commands.
/// </summary>
internal sealed class ReplLoop(ReplSession session, ReplServlet servlet, RequestHistory history, string baseUrl, string launchPath)
{
    private const string Help = """
        Enter C#: statements, expressions (their value is printed), and definitions. The servlet is whatever Start
        means: define Response Start(Request request) (or async Task<Response> Start, or a Func<Request, Response>
        named Start) and the server uses it at once; redefine a helper and Start sees it on the next request.
        ShowInBrowser(html) shows a page (a string, an XElement, a Response, any value).
          #load "file.csx"           run a script's code here (its Start becomes the servlet)
          #r "nuget: Name, 1.2.3"    reference a NuGet package; #r "path/lib.dll" a library
          #open                      open the servlet in the browser
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
        var entry = new StringBuilder();
        while (true)
        {
            if (s_interactive)
            {
                Console.Write(entry.Length == 0 ? "> " : ". ");
            }
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
            await RunEntryAsync(code);
        }
    }

    private async Task RunEntryAsync(string code)
    {
        ReplResult result;
        try
        {
            result = await session.SubmitAsync(code);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.WriteLine($"devserve: the entry could not run: {e.GetType().Name}: {e.Message}");
            return;
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
        if (result.StartChanged)
        {
            servlet.Use(session.Start);
            Console.WriteLine($"Serving Start at {baseUrl}{launchPath} (version {servlet.VersionNumber}).");
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

    private Task<bool> Reset()
    {
        session.Reset();
        servlet.Use(null);
        return Say("Every definition and the servlet are gone.");
    }

    private Task<bool> Open()
    {
        Launch.SendUrl(baseUrl + launchPath);
        return Say($"Opened {baseUrl}{launchPath}.");
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
