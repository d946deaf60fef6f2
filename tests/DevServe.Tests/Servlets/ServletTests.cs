using System.Net;
using System.Text.RegularExpressions;
using static DevServe.Web;

namespace DevServe.Tests;

/// <summary>Racket's servlet tests (docs/design/racket-reference.md §8.3, §9(b)) over real HTTP, with the example servlets.</summary>
public sealed class ServletTests
{
    private static async Task<LoopbackServer> ServeExample(string name, IManager? manager = null)
        => await LoopbackServer.StartAsync(Servlets.DispatchServlet(await ExampleServlets.LoadAsync(name), manager: manager));

    [Theory]
    [InlineData("add.csx")]
    [InlineData("add-dispatch.csx")]
    public async Task Adding_17_and_25_answers_42(string servlet)
    {
        await using var server = await ServeExample(servlet);
        var first = await server.Client.GetStringAsync("/servlets/standalone.rkt");
        Assert.Contains("Enter the first number to add:", first);
        var k1 = Browser.FirstLink(first);
        Assert.StartsWith("/servlets/standalone.rkt;k=", k1);
        var second = await server.Client.PostAsync(k1, ("number", "17"), ("enter", "Enter"));
        Assert.Contains("Enter the second number to add:", second);
        var answer = await server.Client.PostAsync(Browser.FirstLink(second), ("number", "25"));
        Assert.Contains("<p>The answer is 42</p>", answer);
    }

    [Theory]
    [InlineData("add.csx")]
    [InlineData("add-dispatch.csx")]
    public async Task The_back_button_reuses_old_forms(string servlet)
    {
        await using var server = await ServeExample(servlet);
        var k1 = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var k2 = Browser.FirstLink(await server.Client.PostAsync(k1, ("number", "17")));
        Assert.Contains("The answer is 42", await server.Client.PostAsync(k2, ("number", "25")));
        // Back to the second form, another number: Racket's 117.
        Assert.Contains("The answer is 117", await server.Client.PostAsync(k2, ("number", "100")));
        // Back to the first form: a fresh second form with a new continuation, which goes on from 1.
        var again = await server.Client.PostAsync(k1, ("number", "1"));
        Assert.Contains("Enter the second number to add:", again);
        var k3 = Browser.FirstLink(again);
        Assert.NotEqual(k2, k3);
        Assert.Contains("The answer is 3", await server.Client.PostAsync(k3, ("number", "2")));
        Assert.Contains("The answer is 42", await server.Client.PostAsync(k2, ("number", "25")));
    }

    [Fact]
    public async Task Two_tabs_interleaved_keep_their_own_numbers()
    {
        await using var server = await ServeExample("add.csx");
        var a1 = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var b1 = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var a2 = Browser.FirstLink(await server.Client.PostAsync(a1, ("number", "1")));
        var b2 = Browser.FirstLink(await server.Client.PostAsync(b1, ("number", "1000")));
        Assert.Contains("The answer is 1002", await server.Client.PostAsync(b2, ("number", "2")));
        Assert.Contains("The answer is 3", await server.Client.PostAsync(a2, ("number", "2")));
    }

    [Fact]
    public async Task Module_state_is_shared_and_instance_state_is_not()
    {
        await using var server = await ServeExample("count.csx");
        var first = await server.Client.GetStringAsync("/");
        var second = await server.Client.GetStringAsync("/");
        Assert.Contains("module count: 1", first);
        Assert.Contains("module count: 2", second);
        Assert.Contains("instance count: 1", first);
        Assert.Contains("instance count: 1", second);
    }

    [Fact]
    public async Task Counter_closures_can_be_used_again_and_again()
    {
        await using var server = await ServeExample("counter.csx");
        var zero = await server.Client.GetStringAsync("/");
        Assert.Contains("Count: 0", zero);
        var plus = Browser.Links(zero)[0];
        var one = await server.Client.GetStringAsync(plus);
        Assert.Contains("Count: 1", one);
        Assert.Contains("Count: 2", await server.Client.GetStringAsync(Browser.Links(one)[0]));
        Assert.Contains("Count: 1", await server.Client.GetStringAsync(plus));   // the back button
        Assert.Contains("Count: 0", await server.Client.GetStringAsync(Browser.Links(one)[1]));
        Assert.Contains("Count: -1", await server.Client.GetStringAsync(Browser.Links(zero)[1]));
    }

    [Fact]
    public async Task SendForward_and_SendFinish_expire_the_pages_before_them()
    {
        await using var server = await ServeExample("clear.csx");
        var k0 = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var k1 = Browser.FirstLink(await server.Client.GetStringAsync(k0));
        var expired = await server.Client.FetchAsync(k0);
        Assert.Equal(HttpStatusCode.NotFound, expired.Status);
        Assert.Contains("Sorry, this page has expired. Please go back.", expired.Body);
        Assert.Contains("<h1>Done.</h1>", await server.Client.GetStringAsync(k1));
        Assert.Contains("Sorry, this page has expired.", (await server.Client.FetchAsync(k1)).Body);
    }

    [Fact]
    public async Task A_get_form_resumes_though_it_replaces_the_query_string()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            var answer = await SendSuspend(k => Response.Html($"<form action=\"{k}\" method=\"get\"><input name=\"q\"></form>"));
            return Response.Text("got " + answer.Bindings["q"]);
        }));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/search?old=1"));
        Assert.DoesNotContain("old=1", k);   // the query is not carried into k-urls, as in Racket
        Assert.Equal("got dogs", await server.Client.GetStringAsync(k + "?q=dogs"));
    }

    [Fact]
    public async Task Tampered_or_unknown_k_urls_get_the_expired_page_and_run_nothing()
    {
        var resumed = 0;
        var started = 0;
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            Interlocked.Increment(ref started);
            await SendSuspend(k => Response.Html($"<a href=\"{k}\">next</a>"));
            Interlocked.Increment(ref resumed);
            return Response.Text("resumed");
        }));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/p"));
        var match = Regex.Match(k, "^/p;k=([0-9a-f]+)\\.([0-9a-f]+)\\.([0-9a-f]{16})$");
        Assert.True(match.Success, k);
        var (instance, id, salt) = (match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value);
        var flipped = salt[..15] + (salt[15] == '0' ? '1' : '0');
        foreach (var bad in new[]
        {
            $"/p;k={instance}.{id}.{flipped}",          // wrong salt
            $"/p;k=999.{id}.{salt}",                    // unknown instance
            $"/p;k={instance}.77.{salt}",               // unknown continuation
            "/p;k=junk",                                // garbage
            $"/p;k={instance}.{id}.{salt[..8]}",         // truncated
            $"/p;k={instance}.{id}.{salt}zz",           // trailing garbage
        })
        {
            var (status, body) = await server.Client.FetchAsync(bad);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Contains("Sorry, this page has expired. Please go back.", body);
            Assert.Contains("<a href=\"/p\">Start over</a>", body);
        }
        Assert.Equal(1, started);
        Assert.Equal(0, resumed);
        Assert.Equal("resumed", await server.Client.GetStringAsync(k));
    }

    [Fact]
    public async Task Head_on_a_servlet_gets_headers_only()
    {
        await using var server = await ServeExample("hello.csx");
        var text = await server.RawAsync("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", text);
        Assert.DoesNotContain("Transfer-Encoding", text);
        Assert.EndsWith("\r\n\r\n", text);
    }

    [Fact]
    public async Task Many_instances_run_at_once()
    {
        await using var server = await ServeExample("add.csx");
        var sums = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            var k1 = Browser.FirstLink(await server.Client.GetStringAsync("/"));
            var k2 = Browser.FirstLink(await server.Client.PostAsync(k1, ("number", i.ToString())));
            return await server.Client.PostAsync(k2, ("number", "1000"));
        }));
        for (var i = 0; i < sums.Length; i++)
        {
            Assert.Contains($"The answer is {i + 1000}<", sums[i]);
        }
    }

    [Fact]
    public async Task Two_requests_resuming_one_k_at_once_both_get_answers()
    {
        await using var server = await ServeExample("add.csx");
        var k1 = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var k2 = Browser.FirstLink(await server.Client.PostAsync(k1, ("number", "10")));
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => server.Client.PostAsync(k2, ("number", i.ToString()))))
            .WaitAsync(TimeSpan.FromSeconds(20));
        for (var i = 0; i < answers.Length; i++)
        {
            Assert.Contains($"The answer is {10 + i}<", answers[i]);   // one resumed live, the others replayed
        }
    }

    [Fact]
    public async Task A_k_whose_flow_already_finished_answers_at_once()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async request =>
        {
            // Two suspensions at once: the first answers the page; the second's k belongs to a flow that ends here.
            var a = SendSuspend(k => Response.Html($"<a href=\"{k}\">a</a>"));
            try
            {
                _ = SendSuspend(k => Response.Html($"<a href=\"{k}\">b</a>"));
            }
            catch (InvalidOperationException)
            {
            }
            await Task.WhenAny(a, Task.Delay(1));
            return Response.Text("finished");
        }));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var (status, body) = await server.Client.FetchAsync(k).WaitAsync(TimeSpan.FromSeconds(10));
        // Following a goes on from a: if the flow is still live, to the end of Start ("finished"); once it has ended,
        // by replay, which reaches the suspension b and answers with its page. Never an error, never a hang.
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body == "finished" || System.Text.RegularExpressions.Regex.IsMatch(body, "^<a href=\"[^\"]+\">b</a>$"), body);
    }

    [Fact]
    public async Task A_servlet_exception_gets_a_500_page_with_the_trace_and_the_server_goes_on()
    {
        await using var server = await ServeExample("add.csx");
        var k1 = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var (status, body) = await server.Client.FetchAsync(k1);   // a GET without the number, as in Racket's probe
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("Servlet Error", body);
        Assert.Contains("The form sent no number.", body);
        Assert.Contains("GetNumber", body);   // the stack trace
        Assert.Contains("Enter the first number", await server.Client.GetStringAsync("/"));
    }

    [Fact]
    public async Task Replay_that_takes_another_path_is_reported_not_silently_wrong()
    {
        var coin = 0;
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            if (Interlocked.Increment(ref coin) % 2 == 1)   // not deterministic, and not in Remember
            {
                await SendSuspend(k => Response.Html($"<a href=\"{k}\">heads</a>"));
                await SendSuspend(k => Response.Html($"<a href=\"{k}\">heads again</a>"));
                return Response.Text("heads");
            }
            await SendSuspend(k => Response.Html($"<a href=\"{k}\">tails</a>"));
            return Response.Text("tails");
        }));
        var k1 = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        await server.Client.GetStringAsync(k1);   // consumed live
        var (status, body) = await server.Client.FetchAsync(k1);   // replay: the coin now says tails
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("Web.Remember", body);
    }

    [Fact]
    public async Task Remember_makes_replay_see_the_same_values()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            var secret = Remember(() => Random.Shared.Next(1_000_000));
            var guess = await SendSuspend(k => Response.Html($"<a href=\"{k}\">guess</a>"));
            return Response.Text($"{secret}:{guess.Bindings["n"]}");
        }));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var answers = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await server.Client.GetStringAsync($"{k}?n={i}"));
        }
        var secret = answers[0].Split(':')[0];
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{secret}:{i}"), answers);
    }

    [Fact]
    public async Task Web_works_from_nested_async_helpers_and_SendBack_ends_the_flow()
    {
        static async Task<string> Deep(int depth)
        {
            await Task.Yield();
            if (depth == 0)
            {
                var r = await SendSuspend(k => Response.Html($"<a href=\"{k}\">deep</a>"));
                if (r.Bindings["stop"] is { } stop)
                {
                    SendBack(Response.Text("sent back " + stop + " from " + CurrentRequest.Path));
                }
                return r.Bindings["v"] ?? "";
            }
            return await Deep(depth - 1);
        }
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ => Response.Text("deep " + await Deep(5))));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/x"));
        Assert.Equal("sent back now from /x", await server.Client.GetStringAsync(k + "?stop=now"));
        Assert.Equal("deep 7", await server.Client.GetStringAsync(k + "?v=7"));   // replayed
    }

    [Fact]
    public async Task RedirectGet_answers_303_and_resumes_with_the_get()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async r =>
        {
            var posted = await SendSuspend(k => Response.Html($"<form action=\"{k}\" method=\"post\"></form>"));
            var get = await RedirectGet();
            return Response.Text($"{posted.Method} then {get.Method}");
        }));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var redirect = await server.Client.PostAsync(k, new StringContent(""));
        Assert.Equal("POST then GET", await redirect.Content.ReadAsStringAsync());
        Assert.Equal(HttpMethod.Get, redirect.RequestMessage!.Method);
    }

    [Fact]
    public async Task Outside_a_servlet_the_web_api_says_so()
    {
        var e = Assert.Throws<InvalidOperationException>(() => CurrentRequest);
        Assert.Contains("only inside a servlet", e.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => SendSuspend(_ => Response.Text("x")));
    }

    [Fact]
    public async Task The_servlet_sees_its_current_directory_and_a_regexp_limits_its_paths()
    {
        using var dir = new TempDirectory();
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(
            _ => Response.Text(CurrentDirectory), new Regex("^/app"), currentDirectory: dir.Path));
        Assert.Equal(dir.Path, await server.Client.GetStringAsync("/app"));
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.FetchAsync("/other")).Status);
    }

    [Fact]
    public async Task With_the_none_manager_suspending_answers_the_expired_page()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            await SendSuspend(k => Response.Html(k));
            return Response.Text("never");
        }, manager: new NoneManager()));
        Assert.Contains("expired", (await server.Client.FetchAsync("/")).Body);
    }

    [Fact]
    public async Task An_endless_loop_keeps_a_bounded_replay_log()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            for (var i = 0; ; i++)
            {
                var n = i;
                await SendSuspend(k => Response.Html($"<a href=\"{k}\">{n}</a>"));
            }
        }));
        var first = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var k = first;
        var links = new List<string>();
        for (var i = 0; i < FlowLogMaxDepth + 5; i++)
        {
            k = Browser.FirstLink(await server.Client.GetStringAsync(k));
            links.Add(k);
        }
        Assert.Contains(">2<", await server.Client.GetStringAsync(links[0]));                  // early pages replay
        var (_, late) = await server.Client.FetchAsync(links[^3]);                             // too deep to replay
        Assert.Contains("too many steps ago", late);
    }

    private const int FlowLogMaxDepth = 1000;
}
