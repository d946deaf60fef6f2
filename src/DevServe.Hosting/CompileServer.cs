using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace DevServe.Hosting;

/// <summary>
/// A background process that keeps Roslyn warm and compiles servlets into the compiled-script cache for the devserve
/// processes that share the cache: Roslyn's first compile in a process takes about a second (loading and JIT of the
/// compiler), a warm one tens of milliseconds, so a start whose servlet is new or changed is as fast as a start from the
/// cache (docs/design/hosting.md §5.1).
/// </summary>
/// <remarks>
/// One per cache directory and DevServe build: it listens on a Unix socket in the cache's <c>compile-server</c> folder
/// (mode 700: the user's alone), named after the build, so a devserve of another build never talks to it. A request is
/// one line of JSON, <c>{"Path":"/abs/app.csx","Stateless":false}</c>, its answer one line, <c>{"Stored":true}</c> once the
/// cache holds the entry. Nothing of the servlet runs here: it is compiled and written, never loaded to run. A lock
/// file beside the socket keeps it to one server. The server stops after an idle timeout, or within a second once its
/// socket file is gone (the cache was deleted), and logs each compile to <c>compile-server/BUILD.log</c>.
/// </remarks>
internal static class CompileServer
{
    private const int MaxRequestChars = 16 * 1024;
    private static readonly TimeSpan s_compileTimeout = TimeSpan.FromSeconds(90);
    private static readonly Lock s_log = new();

    /// <summary>This DevServe build, as the cache keys name it (<see cref="ScriptCache.Build"/>): a server and its clients must be the same build.</summary>
    public static string Build { get; } = ScriptCache.Hash(ScriptCache.Build)[..16];

    /// <summary>The server's Unix socket for <paramref name="cacheDirectory"/>.</summary>
    public static string SocketPath(string cacheDirectory) => Path.Combine(cacheDirectory, "compile-server", Build + ".sock");

    /// <summary>The server's log of compiles for <paramref name="cacheDirectory"/>.</summary>
    public static string LogPath(string cacheDirectory) => Path.Combine(cacheDirectory, "compile-server", Build + ".log");

    /// <summary>
    /// Serves compiles into <paramref name="cacheDirectory"/> until <paramref name="idleTimeout"/> passes without a
    /// request, the socket file is gone, or <paramref name="cancellationToken"/>; returns at once when another server
    /// of this build already listens there.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static async Task RunAsync(string cacheDirectory, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        var socketPath = SocketPath(cacheDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // One server per cache and build: the lock (flock, released when the process ends, however it ends) decides
        // which of two started at once serves; the other returns, and only the holder deletes or binds the socket.
        await using var locked = TryLock(Path.ChangeExtension(socketPath, ".lock"));
        if (locked is null)
        {
            return;
        }
        File.Delete(socketPath);   // a server that died left it
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        var bound = File.GetLastWriteTimeUtc(socketPath);   // which socket file is ours (the cache may be deleted and made again)
        listener.Listen(64);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var state = new Activity();
        var options = ServletHostOptions.Default with { CacheDirectory = cacheDirectory };
        // Warm now, not at the first request (a user waiting for a page), through the path requests take: they start
        // from this compilation.
        var warm = Task.Run(() => WarmUpAsync(socketPath, options, stop.Token), CancellationToken.None);
        var watch = WatchAsync(socketPath, idleTimeout, state, stop);
        try
        {
            while (true)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptAsync(stop.Token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    await Task.Delay(100, stop.Token).ConfigureAwait(false);   // out of descriptors, say: wait, not die
                    continue;
                }
                _ = ServeAsync(client, options, state, stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
            await warm.ConfigureAwait(false);
            if (File.Exists(socketPath) && File.GetLastWriteTimeUtc(socketPath) == bound)
            {
                File.Delete(socketPath);   // stopped idle: the next devserve starts a new one
            }
            listener.Close();
        }
    }

    private static FileStream? TryLock(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;   // another server holds it
        }
    }

    // A script and an app, each asked for a few times through the socket, as devserve asks: one compile left Roslyn's
    // paths at their first tier, and the first request after it took ~100 ms against ~15-25 ms once warm
    // (BENCHMARKS.md, 2026-12-03 evening). Each is compiled every time (a store always compiles), into one entry.
    private const int WarmUpRounds = 6;

    // Ends when the server stops (the token), whatever request it is in: the listener is still open then, so a request
    // would otherwise wait out the client's whole timeout for an answer no one sends.
    private static async Task WarmUpAsync(string socketPath, ServletHostOptions options, CancellationToken cancellationToken)
    {
        var client = new CompileServerClient(options.CacheDirectory, startServer: null);
        var name = Path.ChangeExtension(socketPath, null) + ".warm-up";   // per build, as the socket is
        try
        {
            await File.WriteAllTextAsync(name + ".csx", "Response Start(Request request) => Response.Text(\"\");\n", cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(name + ".cs", "using DevServe;\n\nstatic Response Start(Request request) => Response.Text(\"\");\n", cancellationToken)
                .ConfigureAwait(false);
            for (var round = 0; round < WarmUpRounds; round++)
            {
                await client.TryStoreAsync(name + ".csx", stateless: false, cancellationToken).ConfigureAwait(false);
                await client.TryStoreAsync(name + ".cs", stateless: false, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            // Stopped, or the folder refuses: only the first requests are slower.
        }
    }

    // When a request last began or ended: the server stops once that is the idle timeout ago, even with a compile
    // still running (one that never ends must not keep it forever; its client gave up long before).
    private sealed class Activity
    {
        public long Last = Stopwatch.GetTimestamp();
    }

    private static async Task WatchAsync(string socketPath, TimeSpan idleTimeout, Activity state, CancellationTokenSource stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop.Token).ConfigureAwait(false);
                if (!File.Exists(socketPath) || Stopwatch.GetElapsedTime(Volatile.Read(ref state.Last)) > idleTimeout)
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A devserve's request: compile this file into the cache (optimized when the servlet is stateless).</summary>
    internal sealed record Ask(string? Path, bool Stateless);

    /// <summary>The answer: whether the cache now has the file's entry.</summary>
    internal sealed record Answer(bool Stored);

    private static async Task ServeAsync(Socket client, ServletHostOptions options, Activity state, CancellationToken cancellationToken)
    {
        var began = Stopwatch.GetTimestamp();
        Volatile.Write(ref state.Last, began);
        string? path = null;
        try
        {
            await using var stream = new NetworkStream(client, ownsSocket: true);
            using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
            using var read = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            read.CancelAfter(TimeSpan.FromSeconds(10));   // a client that connects and says nothing does not hold a slot
            var line = await ReadLineAsync(reader, read.Token).ConfigureAwait(false);
            if (line is null)
            {
                return;   // asked only whether it listens, or a request too long
            }
            var stored = false;
            if (Parse(line) is { Path: { } asked } ask && Path.IsPathFullyQualified(asked) && File.Exists(asked)
                && Path.GetExtension(asked).ToLowerInvariant() is ".csx" or ".cs")
            {
                path = asked;
                using var compile = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                compile.CancelAfter(s_compileTimeout);   // the client gives up after its own timeout: so does this compile
                stored = await ScriptCompiler.StoreAsync(asked, options with { Stateless = ask.Stateless }, compile.Token).ConfigureAwait(false);
                // Before the answer: whoever reads the log after it finds the line.
                Log(options.CacheDirectory, $"{path}: {(stored ? "stored" : "not stored")} in {Stopwatch.GetElapsedTime(began).TotalMilliseconds:F0} ms");
            }
            await stream.WriteAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Answer(stored), HostingJson.Default.Answer) + "\n"), cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // one request's failure (a client gone, a compile that throws) is that request's "not stored"
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log(options.CacheDirectory, $"{path ?? "(no request)"}: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            Volatile.Write(ref state.Last, Stopwatch.GetTimestamp());
        }
    }

    // One line, bounded: a request is a path and a flag.
    private static async Task<string?> ReadLineAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var buffer = new char[1024];
        while (line.Length <= MaxRequestChars)
        {
            var count = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (count == 0)
            {
                return null;
            }
            var end = Array.IndexOf(buffer, '\n', 0, count);
            line.Append(buffer, 0, end < 0 ? count : end);
            if (end >= 0)
            {
                return line.ToString();
            }
        }
        return null;
    }

    private static Ask? Parse(string? line)
    {
        try
        {
            return line is null ? null : JsonSerializer.Deserialize(line, HostingJson.Default.Ask);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Log(string cacheDirectory, string message)
    {
        try
        {
            lock (s_log)
            {
                File.AppendAllText(LogPath(cacheDirectory), $"{DateTime.Now:yyyy-MM-dd HH:mm:ss.fff} {message}\n");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
