using System.CommandLine;
using DevServe.Hosting;

namespace DevServe.Cli;

/// <summary>
/// <c>devserve repl [FILE.csx]</c>: the server of <c>run</c>, and a C# prompt beside it whose <c>Start</c> is the
/// servlet — DrRacket's Interactions window next to a running <c>serve/servlet</c>.
/// </summary>
internal static class ReplCommand
{
    public static Command Create()
    {
        var file = ServerOptions.FileArgument("A script to #load first (its Start becomes the servlet).");
        var server = new ServerOptions();
        var command = new Command("repl", "Serve whatever Start means at a C# prompt; redefine it and the server follows.") { file };
        server.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var script = parse.GetValue(file);
            if (script is { Exists: false })
            {
                await Console.Error.WriteLineAsync($"devserve: {script.FullName}: no such file.");
                return 2;
            }
            var values = new OptionValues(parse);
            var directory = script?.DirectoryName ?? Directory.GetCurrentDirectory();
            var plan = await server.ResolveAsync(values, directory);
            if (plan is null)
            {
                return 2;
            }
            if (await server.HostOptionsAsync(values) is not { } options)
            {
                return 2;
            }
            Directory.SetCurrentDirectory(directory);
            await using var servlet = new ReplServlet(directory, options);
            servlet.Use(null);
            var history = new RequestHistory(capacity: 50);
            var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            string? baseUrl = null;   // set before the prompt starts: nothing the prompt runs can see it unset
            ReplLoop? loop = null;   // set once the server listens; the browser REPL's calls wait for nothing before that
            var globals = new ReplGlobals(path =>
            {
                var url = (baseUrl ?? throw new InvalidOperationException("The server is not listening yet.")) + path;
                if (plan.LaunchPath is not null && loop?.RunningFromBrowser != true)
                {
                    Launch.SendUrl(url);   // an entry from the browser REPL shows its pages there instead
                }
                return url;
            });
            var entries = new ReplHistory(HostEnvironment.ReplHistoryPath());
            var page = new ReplPage(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
                code => loop?.RunFromBrowserAsync(code) ?? Task.FromResult(new ReplPage.Outcome(false, null, ["The REPL is still starting."], null, null, [])),
                (code, position) => loop?.CompleteAsync(code, position) ?? Task.FromResult(ReplCompletion.Result.None(position)),
                entries.All, plan.LaunchPath ?? "/");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var serving = plan.ServeAsync(servlet, around: history.Wrap, started: url =>
                {
                    baseUrl = url;
                    started.TrySetResult(url);
                }, before: [globals.Dispatch, page.Dispatch], editor: options.Editor,
                cancellationToken: stop.Token);
            if (await Task.WhenAny(serving, started.Task) == serving)
            {
                return await serving;   // it could not listen; the banner said why
            }
            using var session = new ReplSession(directory, globals, options.PackagesDirectory);
            var listening = await started.Task;
            loop = new ReplLoop(session, servlet, history, listening, plan.LaunchPath ?? "/", globals, entries, page.Url(listening));
            // Roslyn's completion loads and composes its parts on first use (seconds): do it now, not at the first Tab.
            _ = session.CompleteAsync("Console.", 8, cancellationToken).ContinueWith(static t => t.Exception, TaskScheduler.Default);
            Console.WriteLine($"The same session in the browser, beside the servlet: {page.Url(listening)}");
            // Standard input blocks a thread: the prompt gets its own, so /quit and Ctrl+C end the process at once.
            var prompting = Task.Factory.StartNew(() => loop.RunAsync(script?.FullName), CancellationToken.None, TaskCreationOptions.LongRunning,
                TaskScheduler.Default).Unwrap();
            await Task.WhenAny(serving, prompting);
            await stop.CancelAsync();
            return await serving;
        });
        return command;
    }
}
