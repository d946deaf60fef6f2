using System.Net;
using System.Text.RegularExpressions;

namespace DevServe.Tests;

/// <summary>The composing dispatchers, over real HTTP (docs/design/racket-reference.md §2, §8.3).</summary>
public sealed class DispatchersTests
{
    private static Dispatcher Say(string text) => Dispatchers.Lift(_ => Response.Text(text));

    [Fact]
    public async Task Sequencer_answers_with_the_first_dispatcher_that_answers()
    {
        var slow = Dispatchers.Filter(new Regex("^/slow$"), async _ => { await Task.Yield(); return Response.Text("slow"); });
        var passesAsync = new Dispatcher(async _ => { await Task.Yield(); return null; });
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Sequencer(
            Dispatchers.Filter(new Regex("^/a$"), Say("a")), slow, passesAsync, Say("fallback")));
        Assert.Equal("a", await server.Client.GetStringAsync("/a"));
        Assert.Equal("slow", await server.Client.GetStringAsync("/slow"));
        Assert.Equal("fallback", await server.Client.GetStringAsync("/b"));
    }

    [Fact]
    public async Task Sequencer_of_passing_dispatchers_passes()
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Sequencer(
            Dispatchers.Filter(new Regex("^/a$"), Say("a")), Dispatchers.Method("POST", Say("post"))));
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/b")).StatusCode);
    }

    [Fact]
    public async Task Filter_matches_the_decoded_path_without_query_or_params()
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Filter(new Regex("^/a b/c$"), Say("matched")));
        Assert.Equal("matched", await server.Client.GetStringAsync("/a%20b/c?x=1"));
        Assert.Equal("matched", await server.Client.GetStringAsync("/a%20b;k=1/c"));
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/a%20b/cd")).StatusCode);
    }

    [Fact]
    public async Task PathProcedure_answers_its_exact_path_only()
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.PathProcedure("/quit", _ => Response.Text("bye")));
        Assert.Equal("bye", await server.Client.GetStringAsync("/quit"));
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/quit/now")).StatusCode);
    }

    [Fact]
    public async Task Lift_of_an_async_procedure_answers()
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(async r =>
        {
            await Task.Delay(1);
            return Response.Text(r.Method);
        }));
        Assert.Equal("GET", await server.Client.GetStringAsync("/"));
    }

    [Theory]
    [InlineData(new[] { "get" }, "GET", true)]
    [InlineData(new[] { "GET" }, "gEt", true)]
    [InlineData(new[] { "get", "head" }, "OPTIONS", false)]
    [InlineData(new[] { "POST" }, "GET", false)]
    public async Task Method_matches_case_insensitively(string[] methods, string method, bool matches)
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Method(methods, Say("in")));
        var text = await server.RawAsync($"{method} / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith(matches ? "HTTP/1.1 200 " : "HTTP/1.1 404 ", text);
    }

    [Fact]
    public async Task Host_dispatches_on_the_lower_cased_host_header_with_port()
    {
        var seen = new List<string>();
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Host(host =>
        {
            lock (seen)
            {
                seen.Add(host);
            }
            return host.StartsWith("example.org", StringComparison.Ordinal) ? Say("example") : Say("default");
        }));
        Assert.EndsWith("example", await server.RawAsync("GET / HTTP/1.1\r\nhOsT: Example.ORG:8080\r\nConnection: close\r\n\r\n"));
        Assert.EndsWith("default", await server.RawAsync("GET / HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n"));
        Assert.EndsWith("default", await server.RawAsync("GET / HTTP/1.0\r\n\r\n"));
        Assert.Equal(["example.org:8080", "other", "none"], seen);
    }

    [Fact]
    public async Task Timeouts_answers_503_when_the_inner_dispatcher_is_too_slow()
    {
        var release = new TaskCompletionSource<Response?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Sequencer(
            Dispatchers.Filter(new Regex("^/fast$"), Dispatchers.Timeouts(TimeSpan.FromSeconds(5), Say("fast"))),
            Dispatchers.Timeouts(TimeSpan.FromMilliseconds(200), _ => new ValueTask<Response?>(release.Task))));
        Assert.Equal("fast", await server.Client.GetStringAsync("/fast"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await server.Client.GetAsync("/slow")).StatusCode);
        release.SetResult(Response.Text("late"));
    }

    [Fact]
    public async Task The_server_answers_503_when_a_dispatcher_passes_the_response_timeout()
    {
        var never = new TaskCompletionSource<Response?>();
        await using var server = await LoopbackServer.StartAsync(_ => new ValueTask<Response?>(never.Task),
            new SafetyLimits { ResponseTimeout = TimeSpan.FromMilliseconds(200) });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await server.Client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task A_connection_whose_request_timed_out_answers_its_next_requests_in_time_and_only_them()
    {
        // One keep-alive connection (the client's): its first request times out, the late answer must not reach
        // the requests after it, and each of those is answered by its own dispatch (waits reused across them).
        var first = new TaskCompletionSource<Response?>();
        var count = 0;
        await using var server = await LoopbackServer.StartAsync(request => request.Path == "/slow"
                ? new ValueTask<Response?>(first.Task)
                : new ValueTask<Response?>(Task.Run(() => (Response?)Response.Text("answer " + Interlocked.Increment(ref count)))),
            new SafetyLimits { ResponseTimeout = TimeSpan.FromSeconds(1) });   // room for a loaded machine's answers
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await server.Client.GetAsync("/slow")).StatusCode);
        first.SetResult(Response.Text("late"));
        for (var i = 1; i <= 50; i++)
        {
            Assert.Equal($"answer {i}", await server.Client.GetStringAsync("/next"));
        }
    }

    /// <summary>Holds requests inside until opened; <see cref="Entered"/> completes once <c>fill</c> are inside at once.</summary>
    private sealed class Gate(int fill = 1)
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inside;
        private int _maxInside;
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int MaxInside => _maxInside;

        public Dispatcher Dispatcher => async _ =>
        {
            var now = Interlocked.Increment(ref _inside);
            InterlockedMax(ref _maxInside, now);
            if (now >= fill)
            {
                Entered.TrySetResult();
            }
            await _open.Task;
            Interlocked.Decrement(ref _inside);
            return Response.Text("done");
        };

        public void Open() => _open.TrySetResult();

        private static void InterlockedMax(ref int target, int value)
        {
            int current;
            while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
            {
            }
        }
    }

    [Fact]
    public async Task Limit_block_lets_only_n_in_at_once_and_queues_the_rest()
    {
        var gate = new Gate(fill: 2);
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Limit(2, gate.Dispatcher));
        var requests = Enumerable.Range(0, 6).Select(_ => server.Client.GetStringAsync("/")).ToList();
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        gate.Open();
        Assert.All(await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(20)), text => Assert.Equal("done", text));
        Assert.Equal(2, gate.MaxInside);
    }

    [Fact]
    public async Task Limit_kill_new_sheds_requests_over_the_limit_with_503()
    {
        var gate = new Gate();
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Limit(1, gate.Dispatcher, OverLimit.KillNew));
        var first = server.Client.GetStringAsync("/");
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var shed = await server.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
        Assert.NotNull(shed.Headers.RetryAfter);
        gate.Open();
        Assert.Equal("done", await first);
    }

    [Fact]
    public async Task Limit_kill_old_answers_the_oldest_with_503_and_serves_the_new_one()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Limit(1, async r =>
        {
            if (r.Path == "/old")
            {
                entered.TrySetResult();
                await release.Task;
            }
            return Response.Text(r.Path);
        }, OverLimit.KillOld));
        var old = server.Client.GetAsync("/old");
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("/new", await server.Client.GetStringAsync("/new"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await old).StatusCode);
        release.SetResult();
    }
}
