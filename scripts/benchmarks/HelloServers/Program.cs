using System.Threading.Channels;
using DevServe;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

// Usage: HelloServers bare|bare-link|serve|servlet|suspend|suspend-resumable|conversation|conversation-stateless|
// steps-stateless|steps-stateless-replay|soak|stuck, or HelloServers memory live|resumable [count].
// Prints "PORT <n>" once listening on 127.0.0.1, serves until stdin closes. servlet: DispatchServlet hello; suspend: a
// servlet looping on SendSuspend, one link per page (a lambda: resumed live once); suspend-resumable: the same loop as
// a resumable method (every resume copies its frame); conversation[-stateless]: 10 SendSuspends, then an answer
// linking back to the start (stateful, or stateless: every request replays the conversation so far from its URL);
// steps-stateless[-replay]: an endless stateless loop, its link carrying the frames (or the replay log).
// memory: suspends <count> flows in-process and prints the bytes each keeps (HOLD=1: then waits on stdin, for
// dotnet-gcdump); memory-browser: the same for <count> pages of one conversation, each asked for with Chrome's headers; roundtrip: in-process round trips (ALLOCATIONS=1: also the bytes per round trip by type, sampled).
// held <count> <file>: suspends <count> flows of a one-question servlet in-process, writes their k-urls to <file>, prints
// the heap they hold, then serves them: each resumption copies the frames and answers (nothing new is kept).
// files / aspnet-static: Dispatchers.Files, or ASP.NET Core's UseStaticFiles, over 1 KiB, 64 KiB and 10 MiB files.
// first200 <port> <command...>: ms from starting the command to its first 200 on 127.0.0.1:<port> (see MeasureFirst200Async).
// saves <url> <file> <dir> <n>: for i = 1..n, renames <dir>/<i> over <file> (an editor's save) and polls <url> every
// millisecond on one kept-alive connection (warmed by one request first) until it answers "v<i>"; prints the n times
// (ms). Waits 300 ms after each.
// GCSTATS=1: a server prints its collections and GC pause time on standard error when it stops. THRESHOLD=<bytes>: the
// suspend-resumable server's manager threshold (default 64 MiB).
var mode = args.FirstOrDefault() ?? "serve";
if (mode == "saves")
{
    await Program.MeasureSavesAsync(new Uri(args[1]), args[2], args[3], int.Parse(args[4]));
    return;
}
if (mode == "first200")
{
    Console.WriteLine(await Program.MeasureFirst200Async(int.Parse(args[1]), args[2..]));
    return;
}
if (mode == "roundtrip")
{
    await Program.MeasureRoundTripAsync(args.ElementAtOrDefault(1) == "resumable", int.Parse(args.ElementAtOrDefault(2) ?? "200000"));
    return;
}
if (mode is "memory" or "memory-browser")
{
    await Program.MeasureMemoryAsync(args.ElementAtOrDefault(1) == "resumable", int.Parse(args.ElementAtOrDefault(2) ?? "50000"), mode == "memory-browser");
    return;
}
if (mode == "held")
{
    await Program.ServeHeldAsync(int.Parse(args.ElementAtOrDefault(1) ?? "1000"), args.ElementAtOrDefault(2) ?? "held-k.txt");
    return;
}
if (mode == "aspnet-static")
{
    // ASP.NET Core's own static files: the slim host, UseStaticFiles over the same directory, no logging.
    var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
    var web = builder.Build();
    web.UseStaticFiles(new StaticFileOptions { FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Program.FilesRoot()) });
    await web.StartAsync();
    Console.WriteLine($"PORT {new Uri(web.Urls.First()).Port}");
    await Console.In.ReadToEndAsync();
    await web.StopAsync();
    return;
}
// ALLOCATIONS=1: a server prints its sampled allocations by type (share of all bytes) on standard error when it stops.
using var serverSamples = Environment.GetEnvironmentVariable("ALLOCATIONS") is null ? null : new AllocationSampler();
var hello = "Hello, World!"u8.ToArray();
Func<Task> stop;
int port;
if (mode is "bare" or "bare-link")
{
    // Bare Kestrel: the server and a request delegate, nothing else (no host, no middleware).
    var options = new KestrelServerOptions();
    options.Listen(System.Net.IPAddress.Loopback, 0);
    var server = new KestrelServer(Options.Create(options),
        new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance), NullLoggerFactory.Instance);
    // bare-link: the same server answering a page that links to itself, the ceiling for link-following clients.
    var body = mode == "bare" ? hello : "<a href=\"/\">0</a>"u8.ToArray();
    await server.StartAsync(new Bare(body, mode == "bare" ? "text/plain; charset=utf-8" : "text/html; charset=utf-8"), CancellationToken.None);
    port = new Uri(server.Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    stop = () => server.StopAsync(CancellationToken.None);
}
else
{
    var confirmation = Channel.CreateBounded<ServeConfirmation>(1);
    var dispatch = mode switch
    {
        "serve" => Dispatchers.Lift(_ => Response.Text("Hello, World!")),
        "servlet" => Servlets.DispatchServlet(_ => Response.Text("Hello, World!")),
        "suspend" => Dispatchers.Sequencer(
            Dispatchers.PathProcedure("/hello", _ => Response.Text("Hello, World!")),   // warm-up without continuations
            Servlets.DispatchServlet(Program.LiveLoop, manager: new ThresholdLruManager(ThresholdLruManager.DefaultThreshold))),
        "suspend-resumable" => Dispatchers.Sequencer(
            Dispatchers.PathProcedure("/hello", _ => Response.Text("Hello, World!")),
            Servlets.DispatchServlet(Program.Loop, manager: new ThresholdLruManager(long.Parse(Environment.GetEnvironmentVariable("THRESHOLD") ?? "67108864", System.Globalization.CultureInfo.InvariantCulture)))),
        "steps-stateless" => Servlets.DispatchServlet(Program.Loop, stateless: true),
        "steps-stateless-replay" => Servlets.DispatchServlet(Program.LiveLoop, stateless: true),
        "conversation" => Servlets.DispatchServlet(Conversation),
        "conversation-stateless" => Servlets.DispatchServlet(Conversation, stateless: true),
        // soak: hello at /hello, static files under /static/ (1 KiB, 64 KiB), the 10-step conversation everywhere else.
        "soak" => Dispatchers.Sequencer(
            Dispatchers.PathProcedure("/hello", _ => Response.Text("Hello, World!")),
            Dispatchers.Filter(new("^/static/"), Dispatchers.Files(StaticRoot())),
            Servlets.DispatchServlet(Conversation)),
        // files: Dispatchers.Files over the directory the static-files row serves (aspnet-static serves the same).
        "files" => Dispatchers.Files(Program.FilesRoot()),
        // stuck: servlets under /stuck block their thread for two minutes; everything else is hello.
        "stuck" => Dispatchers.Sequencer(
            Servlets.DispatchServlet(_ =>
            {
                Thread.Sleep(TimeSpan.FromMinutes(2));
                return Response.Text("late");
            }, regexp: new("^/stuck")),
            Dispatchers.Lift(_ => Response.Text("Hello, World!"))),
        _ => throw new ArgumentException($"unknown mode {mode}"),
    };
    var limits = mode == "stuck" ? new SafetyLimits { ResponseTimeout = TimeSpan.FromSeconds(5) } : null;
    var stopServer = Server.Serve(dispatch, confirmation.Writer, port: 0, listenIp: "127.0.0.1", safetyLimits: limits,
        loggerFactory: NullLoggerFactory.Instance);
    var confirmed = await confirmation.Reader.ReadAsync();
    port = confirmed.Port ?? throw confirmed.Error!;
    stop = () => Task.Run(stopServer);
}
Console.WriteLine($"PORT {port}");
var gcLog = new List<string>();
if (Environment.GetEnvironmentVariable("GCSTATS") == "each")   // every collection: its generation, kind and pause (polled)
{
    _ = Task.Run(async () =>
    {
        long last = 0;
        while (true)
        {
            var info = GC.GetGCMemoryInfo(GCKind.Any);
            if (info.Index != last)
            {
                last = info.Index;
                lock (gcLog)
                {
                    gcLog.Add($"#{info.Index} gen{info.Generation} {(info.Concurrent ? "background" : "blocking")}{(info.Compacted ? " compacting" : "")} "
                        + $"pause {string.Join('+', info.PauseDurations.ToArray().Select(p => p.TotalMilliseconds.ToString("F1")))} ms promoted {info.PromotedBytes >> 10} KiB");
                }
            }
            await Task.Delay(2);
        }
    });
}
await Console.In.ReadToEndAsync();
lock (gcLog)
{
    gcLog.ForEach(Console.Error.WriteLine);
}
await stop();
serverSamples?.PrintShares();
if (Environment.GetEnvironmentVariable("GCSTATS") is not null)   // what the collector cost this run, on standard error
{
    Console.Error.WriteLine($"GC allocated {GC.GetTotalAllocatedBytes(precise: true)} B, gen0 {GC.CollectionCount(0)} gen1 {GC.CollectionCount(1)} gen2 {GC.CollectionCount(2)} "
    + $"paused {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms in {(DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalSeconds:F0} s");
}

internal static partial class Program
{
    /// <summary>The suspend loop as a lambda, which is not resumable: resumed live once, replayed after that.</summary>
    internal static readonly Func<Request, Task<Response>> LiveLoop = async _ =>
    {
        for (var i = 0; ; i++)
        {
            var n = i;
            await Web.SendSuspend(k => Response.Html($"<a href=\"{k}\">{n}</a>"));
        }
    };

    /// <summary>The suspend loop as a resumable method: every resumption copies its frame, nothing replays.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
    internal static async Task<Response> Loop(Request request)
    {
        for (var i = 0; ; i++)
        {
            var n = i;
            await Web.SendSuspend(k => Response.Html($"<a href=\"{k}\">{n}</a>"));
        }
    }

    // Starts the command, polls http://127.0.0.1:<port>/ on a new connection every 2 ms until it answers 200, then
    // kills the command's process tree (a compile server devserve started has its own session and stays). Returns the
    // ms from the start to that 200. One process polls: a curl per poll costs ~30 ms of a 2-core machine's CPU,
    // taken from the process being measured.
    internal static async Task<long> MeasureFirst200Async(int port, string[] command)
    {
        var info = new System.Diagnostics.ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in command[1..])
        {
            info.ArgumentList.Add(arg);
        }
        var request = System.Text.Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
        var answer = new byte[16];
        // The poll, compiled and run before the clock starts, then a pause for the JIT's background work: this process
        // must take as little of the two cores from the start it measures as a poller can (measured: 70 ms less).
        for (var i = 0; i < 50; i++)
        {
            Poll();
        }
        await Task.Delay(300);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var process = System.Diagnostics.Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(120))
            {
                if (Poll())
                {
                    return (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
                Thread.Sleep(2);
            }
            throw new TimeoutException($"no 200 on port {port} within 120 s: {string.Join(' ', command)}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        // One blocking try on a new connection: whether it answered 200.
        bool Poll()
        {
            try
            {
                using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
                    System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                socket.Connect(System.Net.IPAddress.Loopback, port);
                socket.Send(request);
                var read = 0;
                while (read < answer.Length && socket.Receive(answer, read, answer.Length - read, System.Net.Sockets.SocketFlags.None) is var n && n > 0)
                {
                    read += n;
                }
                return System.Text.Encoding.ASCII.GetString(answer, 0, read).StartsWith("HTTP/1.1 200", StringComparison.Ordinal);
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }
    }

    /// <summary>Saves <paramref name="count"/> versions over <paramref name="file"/> and prints how long each took to be served.</summary>
    internal static async Task MeasureSavesAsync(Uri url, string file, string versions, int count)
    {
        // One process and one connection for all the polls: a curl per poll costs ~30 ms here, more than what is measured.
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        // Warm first: this process's first request compiles HttpClient's path and took ~60 ms, counted in the first save.
        await client.GetStringAsync(url);
        await Task.Delay(300);
        var times = new List<long>();
        for (var i = 1; i <= count; i++)
        {
            var version = Path.Combine(versions, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.SetLastWriteTimeUtc(version, DateTime.UtcNow);   // written now, as an editor's would be (dotnet watch skips older files)
            var saved = System.Diagnostics.Stopwatch.GetTimestamp();
            File.Move(version, file, overwrite: true);
            var deadline = saved + 60 * System.Diagnostics.Stopwatch.Frequency;
            while (true)
            {
                try
                {
                    if (await client.GetStringAsync(url) == "v" + i)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // a runner restarting the app: poll on
                }
                if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException($"version {i} was not served within 60 s");
                }
                await Task.Delay(1);
            }
            times.Add((long)System.Diagnostics.Stopwatch.GetElapsedTime(saved).TotalMilliseconds);
            await Task.Delay(300);
        }
        Console.WriteLine(string.Join(' ', times));
    }

    /// <summary>In-process, no HTTP: follows one chain of links <paramref name="count"/> times and prints the time per round trip.</summary>
    internal static async Task MeasureRoundTripAsync(bool resumable, int count)
    {
        Func<Request, Task<Response>> start = resumable ? Loop : LiveLoop;
        var servlet = Servlets.DispatchServlet(start, manager: new ThresholdLruManager(64L << 20));
        Request Get(string path) => new("GET", new Uri("http://127.0.0.1" + path), [new Header("Host", "127.0.0.1")], Bindings.Empty, null, "127.0.0.1", 80, "127.0.0.1");
        static string Link(Response page)
        {
            using var body = new MemoryStream();
            page.Output(body).GetAwaiter().GetResult();
            var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
            var at = text.IndexOf("href=\"", StringComparison.Ordinal) + 6;
            return text[at..text.IndexOf('"', at)];
        }
        var k = Link((await servlet(Get("/")))!);
        for (var i = 0; i < 20_000; i++)
        {
            k = Link((await servlet(Get(k)))!);
        }
        var exceptions = 0;
        AppDomain.CurrentDomain.FirstChanceException += (_, _) => Interlocked.Increment(ref exceptions);
        using var sampled = Environment.GetEnvironmentVariable("ALLOCATIONS") is null ? null : new AllocationSampler();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        // What young collections found alive (and copied out of gen0): polled every 100 round trips, far more often than they come.
        long promoted = 0, lastGc = GC.GetGCMemoryInfo(GCKind.Any).Index;
        var youngCollections = 0;
        var collections = GC.CollectionCount(0);
        for (var i = 0; i < count; i++)
        {
            k = Link((await servlet(Get(k)))!);
            if (i % 100 == 0 && GC.GetGCMemoryInfo(GCKind.Any) is { Generation: 0 } info && info.Index != lastGc)
            {
                lastGc = info.Index;
                promoted += info.PromotedBytes;
                youngCollections++;
            }
        }
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        Console.WriteLine($"{(resumable ? "resumable" : "live")}: {clock.Elapsed.TotalMicroseconds / count:F2} µs and {bytes / count} B allocated per round trip (in-process, page included); {exceptions} exceptions; "
            + $"{GC.CollectionCount(0) - collections} collections, the {youngCollections} of gen0 alone promoted {(youngCollections == 0 ? 0 : promoted / youngCollections >> 10)} KiB each, "
            + $"{(youngCollections == 0 ? 0 : promoted / youngCollections * (GC.CollectionCount(0) - collections) / count)} B per round trip");
        sampled?.Print(count);
    }

    /// <summary>
    /// Suspends <paramref name="count"/> flows (one page each, kept by the manager) and prints what each keeps; with
    /// <paramref name="browser"/>, <paramref name="count"/> pages of conversations 20 pages long, each link followed with the
    /// headers Chrome sends (fresh strings, as a server without header reuse makes them).
    /// </summary>
    internal static async Task MeasureMemoryAsync(bool resumable, int count, bool browser)
    {
        var manager = new ThresholdLruManager(1L << 40);
        Func<Request, Task<Response>> start = resumable ? Loop : LiveLoop;
        var servlet = Servlets.DispatchServlet(start, manager: manager);
        var root = new Uri("http://127.0.0.1/");
        Request Get(Uri uri) => new("GET", uri, browser ? BrowserHeaders(uri) : [new Header("Host", "127.0.0.1")], Bindings.Empty, null, "127.0.0.1", 80, "127.0.0.1");
        var k = root;
        var pages = 0;
        async Task NextAsync()
        {
            if (++pages % 20 == 0)
            {
                k = root;   // conversations of 20 pages: a replay log is bounded, and real ones are short
            }
            var page = (await servlet(Get(browser ? k : root)))!;
            if (browser)
            {
                using var body = new MemoryStream();
                await page.Output(body);
                var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
                var at = text.IndexOf("href=\"", StringComparison.Ordinal) + 6;
                k = new Uri(root, text[at..text.IndexOf('"', at)]);
            }
        }
        for (var i = 0; i < 1000; i++)
        {
            await NextAsync();   // warm-up: JIT, the servlet threads
        }
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var first = manager.Count;
        for (var i = 0; i < count; i++)
        {
            await NextAsync();
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var held = manager.Count - first;
        var perFlow = (after - before) / (double)held;
        Console.WriteLine($"{(resumable ? "resumable" : "live")}{(browser ? ", Chrome's headers" : "")}: {held} suspended flows, {perFlow:F0} bytes each "
            + $"(managed heap, after a full GC); the manager charges {manager.EstimatedBytes / (double)manager.Count:F0} each, "
            + $"so its default 64 MiB holds {ThresholdLruManager.DefaultThreshold * manager.Count / manager.EstimatedBytes:N0}");
        if (Environment.GetEnvironmentVariable("HOLD") is not null)
        {
            Console.WriteLine($"HOLDING {Environment.ProcessId}");   // for dotnet-gcdump: what each flow is made of
            await Console.In.ReadToEndAsync();
        }
        GC.KeepAlive(servlet);
    }

    // What Chrome 131 sends for a link followed on a page of the same site: values made fresh, as each request's are.
    private static Header[] BrowserHeaders(Uri uri)
    {
        static string Fresh(string value) => new(value.AsSpan());
        return [
            new("Host", Fresh("127.0.0.1")),
            new("Connection", Fresh("keep-alive")),
            new("sec-ch-ua", Fresh("\"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"")),
            new("sec-ch-ua-mobile", Fresh("?0")),
            new("sec-ch-ua-platform", Fresh("\"Linux\"")),
            new("Upgrade-Insecure-Requests", Fresh("1")),
            new("User-Agent", Fresh("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")),
            new("Accept", Fresh("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")),
            new("Sec-Fetch-Site", Fresh("same-origin")),
            new("Sec-Fetch-Mode", Fresh("navigate")),
            new("Sec-Fetch-User", Fresh("?1")),
            new("Sec-Fetch-Dest", Fresh("document")),
            new("Referer", Fresh("http://127.0.0.1/;k=" + uri.AbsolutePath.GetHashCode().ToString(System.Globalization.CultureInfo.InvariantCulture))),
            new("Accept-Encoding", Fresh("gzip, deflate, br, zstd")),
            new("Accept-Language", Fresh("en-US,en;q=0.9")),
        ];
    }

    /// <summary>One question: each resumption of its k copies the frame and answers, so the count held stays put.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
    internal static async Task<Response> Ask(Request request)
    {
        var asked = request.Uri.AbsolutePath;
        var answer = await Web.SendSuspend(k => Response.Html($"<a href=\"{k}\">{asked}</a>"));
        return Response.Text($"answered {answer.Uri.AbsolutePath.Length}");
    }

    /// <summary>The latency row's server: <paramref name="count"/> continuations held, their k-urls in <paramref name="file"/>.</summary>
    internal static async Task ServeHeldAsync(int count, string file)
    {
        var manager = new ThresholdLruManager(1L << 40);
        var servlet = Servlets.DispatchServlet(Ask, manager: manager);
        var root = new Uri("http://127.0.0.1/");
        var links = new string[count];
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < count; i++)
        {
            var page = (await servlet(new Request("GET", root, [new Header("Host", "127.0.0.1")], Bindings.Empty, null, "127.0.0.1", 80, "127.0.0.1")))!;
            using var body = new MemoryStream();
            await page.Output(body);
            var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
            var at = text.IndexOf("href=\"", StringComparison.Ordinal) + 6;
            links[i] = text[at..text.IndexOf('"', at)];
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);
        await File.WriteAllLinesAsync(file, links);
        if (Environment.GetEnvironmentVariable("LATENCY_MODE") is { } latencyMode)   // e.g. SustainedLowLatency: no blocking gen2
        {
            System.Runtime.GCSettings.LatencyMode = Enum.Parse<System.Runtime.GCLatencyMode>(latencyMode);
        }
        Console.WriteLine($"HELD {manager.Count} {(after - before) / Math.Max(1, manager.Count)}");
        var confirmation = Channel.CreateBounded<ServeConfirmation>(1);
        var stopServer = Server.Serve(servlet, confirmation.Writer, port: 0, listenIp: "127.0.0.1", loggerFactory: NullLoggerFactory.Instance);
        var confirmed = await confirmation.Reader.ReadAsync();
        int[] counts = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var paused = GC.GetTotalPauseDuration();
        Console.WriteLine($"PORT {confirmed.Port ?? throw confirmed.Error!}");
        await Console.In.ReadToEndAsync();
        await Task.Run(stopServer);
        Console.Error.WriteLine($"while serving: GC gen0 {GC.CollectionCount(0) - counts[0]} gen1 {GC.CollectionCount(1) - counts[1]} "
            + $"gen2 {GC.CollectionCount(2) - counts[2]}, paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:F0} ms");
    }

    /// <summary>The static-files row's directory: 1 KiB, 64 KiB and 10 MiB files, made fresh in the temp folder.</summary>
    internal static string FilesRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "devserve-bench-files");
        Directory.CreateDirectory(root);
        foreach (var (name, size) in new[] { ("1k.bin", 1024), ("64k.bin", 64 * 1024), ("10m.bin", 10 * 1024 * 1024) })
        {
            var path = Path.Combine(root, name);
            if (!File.Exists(path) || new FileInfo(path).Length != size)
            {
                File.WriteAllBytes(path, new byte[size]);
            }
        }
        return root;
    }

    /// <summary>A directory of two static files for the soak, made fresh in the temp folder.</summary>
    private static string StaticRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "devserve-soak-static");
        Directory.CreateDirectory(Path.Combine(root, "static"));
        File.WriteAllBytes(Path.Combine(root, "static", "1k.txt"), new byte[1024]);
        File.WriteAllBytes(Path.Combine(root, "static", "64k.bin"), new byte[64 * 1024]);
        return root;
    }

    private static async Task<Response> Conversation(Request request)
    {
        var sum = 0;
        for (var step = 1; step <= 10; step++)
        {
            var s = step;
            var answer = await Web.SendSuspend(k => Response.Html($"<a href=\"{k}\">step {s}</a>"));
            sum += answer.Bindings["n"] is { } n ? int.Parse(n) : s;
        }
        return Response.Html($"<p>The answer is {sum}</p><a href=\"/\">again</a>");
    }
}

internal sealed class Bare(byte[] hello, string contentType) : IHttpApplication<IFeatureCollection>
{
    public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

    public void DisposeContext(IFeatureCollection context, Exception? exception) { }

    public Task ProcessRequestAsync(IFeatureCollection context)
    {
        var response = context.Get<IHttpResponseFeature>()!;
        response.Headers.ContentType = contentType;
        response.Headers.ContentLength = hello.Length;
        return context.Get<IHttpResponseBodyFeature>()!.Writer.WriteAsync(hello).AsTask();
    }
}

/// <summary>The runtime's allocation samples (one per ~100 KB) by type: where a round trip's bytes go.</summary>
internal sealed class AllocationSampler : System.Diagnostics.Tracing.EventListener
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _bytes = new();

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (e.EventName == "GCAllocationTick_V4" && e.Payload is { } p)
        {
            var name = (string)p[e.PayloadNames!.IndexOf("TypeName")]!;
            var size = Convert.ToInt64(p[e.PayloadNames!.IndexOf("AllocationAmount64")]);
            _bytes.AddOrUpdate(name, size, (_, b) => b + size);
        }
    }

    public void PrintShares()
    {
        var total = (double)_bytes.Values.Sum();
        foreach (var (name, bytes) in _bytes.OrderByDescending(x => x.Value).Take(30))
        {
            Console.Error.WriteLine($"{bytes / total,7:P1}  {name}");
        }
    }

    public void Print(int count)
    {
        foreach (var (name, bytes) in _bytes.OrderByDescending(x => x.Value).Take(30))
        {
            Console.WriteLine($"{bytes / count,6} B  {name}");
        }
    }
}
