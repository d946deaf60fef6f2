using System.Net.Sockets;
using System.Text;
using DevServe.Hosting;

namespace DevServe.Tests;

/// <summary>The compile server, in this process: it fills the cache and runs nothing, refuses what it should, and stops by itself.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CompileServerTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    // Starts a server on dir/cache; the test deletes its socket (or the folder) to stop it.
    private static (string Cache, Task Server) StartServer(TempDirectory dir, TimeSpan? idle = null)
    {
        var cache = Path.Combine(dir.Path, "cache");
        var server = Task.Run(() => CompileServer.RunAsync(cache, idle ?? TimeSpan.FromMinutes(5), CancellationToken.None));
        return (cache, server);
    }

    private static Task ListeningAsync(string cache)
        => Poll.UntilAsync(() => CompileServerClient.IsListeningAsync(CompileServer.SocketPath(cache), CancellationToken.None));

    private static async Task StopAsync(string cache, Task server)
    {
        File.Delete(CompileServer.SocketPath(cache));
        await server.WaitAsync(TimeSpan.FromSeconds(20));
    }

    // One request on a new connection; the answer line, or null when the server closes without one.
    private static async Task<string?> AskAsync(string cache, string request)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(CompileServer.SocketPath(cache)));
        await using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream);
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
            return await reader.ReadLineAsync().WaitAsync(s_deadline);
        }
        catch (IOException)
        {
            return null;   // closed with the request unread
        }
    }

    [Fact]
    public async Task A_compile_server_fills_the_cache_without_running_the_servlet_and_the_servlet_then_loads_from_it()
    {
        using var dir = new TempDirectory();
        var ran = Path.Combine(dir.Path, "ran");
        var path = dir.Write("app.csx", $"System.IO.File.WriteAllText(@\"{ran}\", \"top level\");\nResponse Start(Request r) => Response.Text(\"from the cache\");\n");
        var (cache, server) = StartServer(dir);
        await ListeningAsync(cache);
        var started = 0;
        var client = new CompileServerClient(cache, () => started++);

        Assert.True(await client.TryStoreAsync(path, stateless: false, CancellationToken.None));
        Assert.False(File.Exists(ran));   // compiled and written, never run
        Assert.Single(Directory.GetFiles(cache, "*.json"), entry => File.ReadAllText(entry).Contains(path, StringComparison.Ordinal));
        Assert.Contains($"{path}: stored", await File.ReadAllTextAsync(CompileServer.LogPath(cache)));
        Assert.Equal(0, started);

        await using var servlet = new ScriptServlet(path, new ServletHostOptions { CacheDirectory = cache });
        await using var http = await LoopbackServer.StartAsync(servlet.Dispatch);
        Assert.Equal("from the cache", await http.Client.GetStringAsync("/"));
        Assert.True(File.Exists(ran));   // here, where it is served, the top level ran
        await StopAsync(cache, server);
    }

    [Fact]
    public async Task A_compile_server_warms_up_on_a_script_and_an_app_asked_through_its_own_socket()
    {
        using var dir = new TempDirectory();
        var (cache, server) = StartServer(dir);
        var log = CompileServer.LogPath(cache);
        var warmUp = Path.ChangeExtension(CompileServer.SocketPath(cache), null) + ".warm-up";

        // Logged as requests are: the warm-up took the path a devserve's request takes, and both kinds compiled.
        await Poll.UntilAsync(async () => File.Exists(log) && await File.ReadAllTextAsync(log) is var text
            && text.Contains(warmUp + ".csx: stored", StringComparison.Ordinal) && text.Contains(warmUp + ".cs: stored", StringComparison.Ordinal));
        await StopAsync(cache, server);
    }

    [Fact]
    public async Task An_entry_the_server_wrote_whose_top_level_throws_runs_it_once_and_gets_the_error_page()
    {
        using var dir = new TempDirectory();
        var runs = Path.Combine(dir.Path, "runs");
        var path = dir.Write("throws.csx", $"System.IO.File.AppendAllText(@\"{runs}\", \"ran\\n\");\nthrow new FormatException(\"no settings\");\n"
            + "Response Start(Request r) => Response.Text(\"never\");\n");
        var (cache, server) = StartServer(dir);
        await ListeningAsync(cache);
        Assert.True(await new CompileServerClient(cache, null).TryStoreAsync(path, stateless: false, CancellationToken.None));

        await using var servlet = new ScriptServlet(path, new ServletHostOptions { CacheDirectory = cache });
        await using var http = await LoopbackServer.StartAsync(servlet.Dispatch);
        var answer = await http.Client.GetAsync("/");
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, answer.StatusCode);
        var page = await answer.Content.ReadAsStringAsync();
        Assert.Contains("top-level code threw FormatException: no settings", page);
        Assert.Contains("throws.csx", page);
        Assert.Equal(["ran"], await File.ReadAllLinesAsync(runs));   // once: not again for a compile here
        await StopAsync(cache, server);
    }

    [Fact]
    public async Task A_compile_server_answers_what_it_cannot_compile_with_not_stored_and_goes_on_serving()
    {
        using var dir = new TempDirectory();
        var good = dir.Write("good.csx", "Response Start(Request r) => Response.Text(\"ok\");\n");
        var broken = dir.Write("broken.csx", "Response Start(Request r) => 42;\n");
        var other = dir.Write("notes.txt", "Response Start(Request r) => Response.Text(\"ok\");\n");
        var (cache, server) = StartServer(dir);
        await ListeningAsync(cache);
        const string NotStored = "{\"Stored\":false}";

        Assert.Equal(NotStored, await AskAsync(cache, "not json\n"));
        Assert.Equal(NotStored, await AskAsync(cache, "{\"Path\":\"good.csx\"}\n"));                        // relative
        Assert.Equal(NotStored, await AskAsync(cache, "{\"Path\":\"" + other + "\"}\n"));                   // not a servlet
        Assert.Equal(NotStored, await AskAsync(cache, "{\"Path\":\"/nowhere/gone.csx\"}\n"));              // not there
        Assert.Equal(NotStored, await AskAsync(cache, "{\"Path\":\"" + broken + "\"}\n"));                  // does not compile
        Assert.Null(await AskAsync(cache, new string('x', 64 * 1024)));                                     // no end of line: dropped
        Assert.Equal("{\"Stored\":true}", await AskAsync(cache, "{\"Path\":\"" + good + "\"}\n"));
        await StopAsync(cache, server);
    }

    [Fact]
    public async Task A_second_compile_server_for_the_same_cache_leaves_the_first_serving()
    {
        using var dir = new TempDirectory();
        var (cache, server) = StartServer(dir);
        await ListeningAsync(cache);
        await CompileServer.RunAsync(cache, TimeSpan.FromMinutes(5), CancellationToken.None).WaitAsync(s_deadline);   // returns at once
        Assert.True(await CompileServerClient.IsListeningAsync(CompileServer.SocketPath(cache), CancellationToken.None));
        Assert.False(server.IsCompleted);
        await StopAsync(cache, server);
    }

    [Fact]
    public async Task A_compile_server_stops_when_idle_and_takes_its_socket_with_it()
    {
        using var dir = new TempDirectory();
        var (cache, server) = StartServer(dir, idle: TimeSpan.FromSeconds(2));
        await ListeningAsync(cache);
        await server.WaitAsync(s_deadline);
        Assert.False(File.Exists(CompileServer.SocketPath(cache)));
    }

    [Fact]
    public async Task A_client_without_a_server_starts_one_once_and_one_that_never_answers_is_given_up()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("app.csx", "Response Start(Request r) => Response.Text(\"ok\");\n");
        var cache = Path.Combine(dir.Path, "cache");
        var started = 0;
        var starting = new TaskCompletionSource();
        var client = new CompileServerClient(cache, () =>
        {
            Interlocked.Increment(ref started);
            starting.TrySetResult();
        })
        { Timeout = TimeSpan.FromSeconds(1), StartDelay = TimeSpan.FromMilliseconds(100) };
        Assert.False(await client.TryStoreAsync(path, stateless: false, CancellationToken.None));
        Assert.False(await client.TryStoreAsync(path, stateless: false, CancellationToken.None));
        await starting.Task.WaitAsync(s_deadline);
        Assert.Equal(1, Volatile.Read(ref started));

        // A listener that takes the request and says nothing: the client compiles itself after its timeout.
        var socketPath = CompileServer.SocketPath(cache);
        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
        using var mute = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        mute.Bind(new UnixDomainSocketEndPoint(socketPath));
        mute.Listen(1);
        var accepted = mute.AcceptAsync();
        Assert.False(await client.TryStoreAsync(path, stateless: false, CancellationToken.None).WaitAsync(s_deadline));
        (await accepted).Dispose();
    }
}
