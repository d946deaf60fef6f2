using System.CommandLine;

namespace DevServe.Cli;

/// <summary>The <c>devserve</c> command: wires the subcommands together.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("DevServe: an interactive servlet development environment for C#, "
            + "with the Racket web server's launching API on Kestrel.")
        {
            RunCommand.Create(),
            ReplCommand.Create(),
            ServeCommand.Create(),
            NewSiteCommand.Create(),
            NewCommand.Create(),
            ConvertCommand.Create(),
            KeysCommand.Create(),
            CompileServerCommand.Create(),
        };
        // devserve hello.csx is devserve run hello.csx: what a shebang line (#!/usr/bin/env devserve) runs.
        if (args is [var first, ..] && Path.GetExtension(first).ToLowerInvariant() is ".csx" or ".cs" or ".dll" or ".csproj")
        {
            args = ["run", .. args];
        }
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"devserve: {error.Message}");
            }
            return 2;
        }
        // Ctrl+C and SIGTERM end the wait like the quit page does: the server stops in order and the exit is clean.
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token);
    }
}
