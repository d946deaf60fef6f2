using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using static DevServe.Web;

namespace DevServe.Tests;

/// <summary>
/// Resumable servlets (<see cref="ResumableTaskMethodBuilder{TResult}"/>): every use of a k-url goes on from its
/// suspension with its own copy of the frames, and nothing before it runs again. Compiled here in Release, so the
/// state machines are structs (script servlets, compiled in Debug, have classes: ScriptContinuationTests).
/// </summary>
public sealed class RealContinuationTests
{
    private static string Form(string k, string text) => $"<p>{text}</p><form method=\"post\" action=\"{k}\"><input name=\"name\"></form>";

    [Fact]
    public async Task Resubmitting_an_old_roster_form_adds_only_that_name_again()
    {
        var added = new ConcurrentQueue<string>();
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            var names = new List<string>();
            while (true)
            {
                var answer = await SendSuspend(k => Response.Html(Form(k, string.Join(",", names))));
                var name = answer.Bindings["name"]!;
                added.Enqueue(name);
                names = [.. names, name];   // a new list per step: each page's list is its own
            }
        }
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start));
        var page1 = await server.Client.GetStringAsync("/");
        var page2 = await server.Client.PostAsync(Browser.FirstLink(page1), ("name", "ann"));
        var page3 = await server.Client.PostAsync(Browser.FirstLink(page2), ("name", "bob"));
        var page4 = await server.Client.PostAsync(Browser.FirstLink(page3), ("name", "cy"));
        Assert.Contains("<p>ann,bob,cy</p>", page4);
        // Back to page 3, and submit its form again: only that step runs again, with page 3's list.
        var again = await server.Client.PostAsync(Browser.FirstLink(page3), ("name", "dee"));
        Assert.Contains("<p>ann,bob,dee</p>", again);
        Assert.Equal(["ann", "bob", "cy", "dee"], added);
    }

    [Fact]
    public async Task A_suspension_three_frames_deep_resumes_in_each_frame_with_its_own_locals()
    {
        var calls = 0;
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<int> AskNumber(string label)
        {
            var answer = await SendSuspend(k => Response.Html(Form(k, label)));
            return int.Parse(answer.Bindings["name"]!, System.Globalization.CultureInfo.InvariantCulture);
        }
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<int> Sum(string label)
        {
            Interlocked.Increment(ref calls);
            var first = await AskNumber(label + " first");
            var second = await AskNumber(label + " second");
            return first + second;
        }
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            var total = await Sum("sum");
            return Response.Html($"<p>total {total}</p>");
        }
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start));
        var first = await server.Client.GetStringAsync("/");
        var second = await server.Client.PostAsync(Browser.FirstLink(first), ("name", "3"));
        Assert.Contains("sum second", second);
        Assert.Contains("total 7", await server.Client.PostAsync(Browser.FirstLink(second), ("name", "4")));
        Assert.Contains("total 13", await server.Client.PostAsync(Browser.FirstLink(second), ("name", "10")));
        var other = await server.Client.PostAsync(Browser.FirstLink(first), ("name", "100"));   // back to the first question
        Assert.Contains("total 101", await server.Client.PostAsync(Browser.FirstLink(other), ("name", "1")));
        Assert.Equal(1, calls);   // Sum began once: no resumption ran it again
    }

    [Fact]
    public async Task Two_hundred_concurrent_resumes_of_one_k_each_get_their_own_branch()
    {
        var after = 0;
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            var count = 0;
            var answer = await SendSuspend(k => Response.Html(Form(k, "go")));
            Interlocked.Increment(ref after);
            count++;
            await Task.Yield();   // a real await between the resume and the answer
            return Response.Text($"{answer.Bindings["name"]}:{count}");
        }
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => server.Client.PostAsync(k, ("name", $"n{i}"))))
            .WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"n{i}:1"), answers);
        Assert.Equal(200, after);
    }

    [Fact]
    public async Task A_kept_continuation_lets_go_of_the_flow_that_suspended()
    {
        var tracker = new WeakTracker();
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            var suspension = SendSuspend(k => Response.Html(Form(k, "go")));
            tracker.Track(suspension);   // what the live flow waits on: only that flow, never a copy, needs it
            var answer = await suspension;
            return Response.Text("got " + answer.Bindings["name"]);
        }
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        // The page can arrive before its frames are sealed (microseconds later): collect until then, bounded.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (tracker.AliveAfterCollecting() > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(0, tracker.AliveAfterCollecting());
        Assert.Equal("got a", await server.Client.PostAsync(k, ("name", "a")));
        Assert.Equal("got b", await server.Client.PostAsync(k, ("name", "b")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]   // a development server's manager: the logs kept for fix-and-retry must not chain the templates
    public async Task An_evicted_page_of_a_long_conversation_is_let_go(bool keepsConversations)
    {
        var tracker = new WeakTracker();
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            for (var i = 0; ; i++)
            {
                var n = i;
                var marker = tracker.Track();   // a local of this page's frames
                await SendSuspend(k => Response.Html($"<a href=\"{k}\">{n}</a>"));
                GC.KeepAlive(marker);
            }
        }
        var manager = new ThresholdLruManager(memoryThreshold: 10_000) { KeepsConversations = keepsConversations };
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start, manager: manager));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        for (var i = 0; i < 60; i++)
        {
            k = Browser.FirstLink(await server.Client.GetStringAsync(k));
        }
        // The pages the manager still keeps hold their markers; the 50-odd it evicted hold nothing.
        Assert.InRange(tracker.AliveAfterCollecting(manager.Count + 2), 0, manager.Count + 2);
        Assert.InRange(manager.Count, 1, 30);   // most were evicted
    }

    [Fact]
    public async Task The_headers_a_browser_sends_with_every_page_are_kept_and_charged_once_per_conversation()
    {
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        static async Task<Response> Start(Request request)
        {
            for (var i = 0; ; i++)
            {
                var n = i;
                var answer = await SendSuspend(k => Response.Html($"<a href=\"{k}\">{n}</a>"));
                Assert.Equal(new string('x', 2000), answer.Header("X-Large"));   // shared, still there
            }
        }
        var manager = new ThresholdLruManager();
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start, manager: manager));
        server.Client.DefaultRequestHeaders.Add("X-Large", new string('x', 2000));   // like a browser's dozen headers, in one
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var charged = manager.EstimatedBytes;
        for (var i = 0; i < 10; i++)
        {
            k = Browser.FirstLink(await server.Client.GetStringAsync(k));
        }
        // Each page after the first shares the request headers with the one before: charged for its frame and URL, not 4 KB of headers.
        var perPage = (manager.EstimatedBytes - charged) / 10;
        Assert.InRange(perPage, 1, 1500);
    }

    [Fact]
    public async Task An_exception_after_a_resume_stays_in_its_branch()
    {
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            var answer = await SendSuspend(k => Response.Html(Form(k, "go")));
            return answer.Bindings["name"] == "boom" ? throw new InvalidOperationException("boom") : Response.Text("fine " + answer.Bindings["name"]);
        }
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start, servletErrorResponder: (_, e) => Response.Text("error " + e.Message, code: 500)));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        using var boom = new FormUrlEncodedContent([new("name", "boom")]);
        var failed = await server.Client.PostAsync(k, boom);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("fine ok", await server.Client.PostAsync(k, ("name", "ok")));
    }
}

/// <summary>
/// Where frames cannot be copied, a continuation falls back to the live flow and replay (today's behaviour, and
/// still correct): the old k-url runs Start again. devserve run's warning for it is checked in FallbackWarningTests.
/// </summary>
public sealed class ReplayFallbackTests
{
    private static string Form(string k) => $"<form method=\"post\" action=\"{k}\"></form>";

    // Serves a Start that counts its runs, and uses the first page's k twice: live once, then as an old page.
    private static async Task<(string First, string Again, int Starts)> UseOldPageTwiceAsync(Func<Func<Task<Request>>, Task<Response>> body)
    {
        var starts = 0;
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            Interlocked.Increment(ref starts);
            return await body(() => SendSuspend(k => Response.Html(Form(k))));
        }
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var first = await server.Client.PostAsync(k, ("name", "a"));
        var again = await server.Client.PostAsync(k, ("name", "b"));
        return (first, again, starts);
    }

    [Fact]
    public async Task A_replay_feeds_back_the_kept_requests_with_their_urls_and_forms()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            var a = await SendSuspend(k => Response.Html(Form(k)));
            var b = await SendSuspend(k => Response.Html(Form(k)));
            return Response.Text($"{a.Bindings["name"]} {a.Uri.Query} {a.Path} {b.Bindings["name"]}");
        }));
        var k1 = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var k2 = Browser.FirstLink(await server.Client.PostAsync(k1 + "?x=1", ("name", "a")));
        Assert.Equal("a ?x=1 / b", await server.Client.PostAsync(k2, ("name", "b")));
        // Page 2 again: its flow has moved on, so Start replays with the requests its log kept (kept compact).
        Assert.Equal("a ?x=1 / c", await server.Client.PostAsync(k2, ("name", "c")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]   // a development server's manager, which keeps whole conversations: the same behaviour
    public async Task Replaying_a_page_after_a_copied_one_runs_only_from_the_copy(bool keepsConversations)
    {
        int starts = 0, copies = 0;
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            Interlocked.Increment(ref starts);
            var first = await SendSuspend(k => Response.Html(Form(k)));   // sealed: every use copies it
            Interlocked.Increment(ref copies);
            // An async lambda cannot be copied: this second page falls back to the live flow, then to replay.
            Func<Task<Request>> ask = async () => await SendSuspend(k => Response.Html(Form(k)));
            var second = await ask();
            return Response.Text($"{first.Bindings["name"]} {second.Bindings["name"]}");
        }
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start,
            manager: new ThresholdLruManager { KeepsConversations = keepsConversations }));
        var k1 = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var k2 = Browser.FirstLink(await server.Client.PostAsync(k1, ("name", "a")));
        Assert.Equal("a b", await server.Client.PostAsync(k2, ("name", "b")));
        // Page 2 again: replayed, but from the copy of page 1's frames with the request page 1 got; Start's top does not run again.
        Assert.Equal("a c", await server.Client.PostAsync(k2, ("name", "c")));
        Assert.Equal((1, 2), (starts, copies));
    }

    [Fact]
    public async Task A_suspension_under_an_async_lambda_replays_and_still_answers()
    {
        var (first, again, starts) = await UseOldPageTwiceAsync(async ask =>
        {
            var r = await ask();
            return Response.Text("got " + r.Bindings["name"]);
        });
        Assert.Equal(("got a", "got b"), (first, again));
        Assert.Equal(2, starts);   // replayed: Start ran again for the old page
    }

    [Fact]
    public async Task A_suspension_inside_Task_WhenAll_replays_and_still_answers()
    {
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        static async Task<string> Name(Func<Task<Request>> ask) => (await ask()).Bindings["name"]!;
        var (first, again, starts) = await UseOldPageTwiceAsync(async ask =>
        {
            var names = await Task.WhenAll(Name(ask));
            return Response.Text("got " + names[0]);
        });
        Assert.Equal(("got a", "got b"), (first, again));
        Assert.Equal(2, starts);
    }

    [Fact]
    public async Task A_stream_held_across_a_suspension_replays_and_still_answers()
    {
        var starts = 0;
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            Interlocked.Increment(ref starts);
            using var buffer = new MemoryStream();
            var r = await SendSuspend(k => Response.Html(Form(k)));
            buffer.Write("got "u8);
            buffer.Write(System.Text.Encoding.UTF8.GetBytes(r.Bindings["name"]!));
            return Response.Text(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        }
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        Assert.Equal("got a", await server.Client.PostAsync(k, ("name", "a")));
        Assert.Equal("got b", await server.Client.PostAsync(k, ("name", "b")));
        Assert.Equal(2, starts);
    }

    [Fact]
    public async Task Without_a_fallback_trigger_the_same_servlet_does_not_replay()
    {
        var (first, again, starts) = await UseOldPageTwiceAsync(ask => Direct(ask));
        Assert.Equal(("got a", "got b"), (first, again));
        Assert.Equal(1, starts);

        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        static async Task<Response> Direct(Func<Task<Request>> ask) => Response.Text("got " + (await ask()).Bindings["name"]);
    }
}
