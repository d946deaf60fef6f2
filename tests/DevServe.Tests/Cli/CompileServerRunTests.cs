using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>
/// devserve run with its compile server, real processes: the first run compiles in-process and starts the server,
/// the next run of a script never compiled is compiled there, and the server goes when its cache does.
/// </summary>
public sealed class CompileServerRunTests
{
    private static readonly HttpClient s_client = new() { Timeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public async Task The_first_run_starts_a_compile_server_and_a_new_script_is_then_compiled_there_and_served()
    {
        using var dir = new TempDirectory();
        var cache = Path.Combine(dir.Path, "cache");
        var environment = new Dictionary<string, string> { ["DEVSERVE_CACHE"] = cache, ["DEVSERVE_COMPILE_SERVER"] = "1" };
        var first = dir.Write("first.csx", "Response Start(Request r) => Response.Text(\"first\");\n");
        var second = dir.Write("second.csx", "Response Start(Request r) => Response.Text(\"second\");\n");
        // The server's files are named after devserve's build, which is not this test process's (scripts/devserve
        // publishes its own, and does not republish for a commit that changes no source): found by their extension.
        string? socket = null;
        try
        {
            await using (var devserve = DevServeProcess.StartProgram(Path.Combine(DevServeProcess.RepositoryRoot, "scripts", "devserve"), null,
                environment, "run", first, "--port", "0", "--no-browser"))
            {
                Assert.Equal("first", await s_client.GetStringAsync(await devserve.UrlAsync() + "/"));
                // Started 2 s after the first compile, while this devserve runs.
                await Poll.UntilAsync(async () => (socket = ServerFile(cache, ".sock")) is not null
                    && await CompileServerClient.IsListeningAsync(socket, CancellationToken.None));
            }

            await using (var devserve = DevServeProcess.StartProgram(Path.Combine(DevServeProcess.RepositoryRoot, "scripts", "devserve"), null,
                environment, "run", second, "--port", "0", "--no-browser"))
            {
                Assert.Equal("second", await s_client.GetStringAsync(await devserve.UrlAsync() + "/"));
            }
            var log = await File.ReadAllTextAsync(Path.ChangeExtension(socket!, ".log"));
            Assert.Contains($"{second}: stored", log);
            Assert.DoesNotContain(first, log);   // the first run compiled it itself
        }
        finally
        {
            // The socket first: the server stops within a second, and writes nothing into a folder being deleted.
            if (socket is not null)
            {
                File.Delete(socket);
                await Poll.UntilAsync(async () => !await CompileServerClient.IsListeningAsync(socket, CancellationToken.None));
            }
            await Poll.UntilAsync(() => Task.FromResult(TryDelete(cache)));
        }
    }

    private static string? ServerFile(string cache, string extension)
    {
        var folder = Path.Combine(cache, "compile-server");
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "*" + extension).SingleOrDefault() : null;
    }

    private static bool TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
            return true;
        }
        catch (IOException)
        {
            return false;   // a file written while it went: again
        }
    }
}
