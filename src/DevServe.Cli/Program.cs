using System.CommandLine;

namespace DevServe.Cli;

/// <summary>The <c>devserve</c> command: wires the subcommands together.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("DevServe: an interactive servlet development environment for C#, "
            + "with the Racket web server's launching API on Kestrel.");
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
