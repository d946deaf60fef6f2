using System.Diagnostics;
using System.Net;
using static DevServe.Web;

namespace DevServe.Tests;

/// <summary>Handlers embedded with <c>SendSuspendDispatch</c>: synchronous or asynchronous, and every <c>Web</c> call in them.</summary>
public sealed class EmbeddedHandlerTests
{
    // The tutorial's double-submit lesson: the handler adds, then redirects to a GET of the result. A named async
    // method is resumable (a script's are made so; here the attribute says it), so a reload never adds again.
    // Static: a stateless servlet's links carry what its closures capture, so its shared state lives outside them.
    private static readonly List<string> s_posts = [];

    private static Task<Response> Blog()
    {
        var posts = s_posts;

        [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        static async Task<Response> Add(Request request)
        {
            var posts = s_posts;
            posts.Add(request.Bindings["title"] ?? "?");
            await RedirectGet();
            var next = await SendSuspend(k => Response.Html($"<p>added {posts.Count}</p><a href=\"{k}\">go on</a>"));
            return Response.Text("went on with " + next.Bindings["word"]);
        }

        return Task.FromResult(SendSuspendDispatch(embed => Response.Html(
            string.Concat(posts.Select(p => $"<p>{p}</p>"))
            + $"<a href=\"{embed(Add)}\">add</a> <a href=\"{embed(_ => Response.Text("synchronous " + s_posts.Count))}\">count</a>")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_async_handler_can_RedirectGet_and_suspend_and_a_synchronous_one_still_works(bool stateless)
    {
        s_posts.Clear();   // the cases of one class run one after another
        var posts = s_posts;
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(_ => Blog(), stateless: stateless));
        var page = await server.Client.GetStringAsync("/");
        var links = Browser.Links(page);
        var added = await server.Client.GetAsync(links[0] + (links[0].Contains('?') ? "&" : "?") + "title=first");
        var landed = await added.Content.ReadAsStringAsync();
        Assert.True(added.StatusCode == HttpStatusCode.OK, landed);   // followed the 303
        Assert.True(landed.Contains("added 1"), landed);
        Assert.Contains("added 1", await server.Client.GetStringAsync(added.RequestMessage!.RequestUri));   // the reload
        Assert.Equal(["first"], posts);
        var onward = Browser.FirstLink(landed);
        Assert.Equal("went on with yes", await server.Client.GetStringAsync(onward + (onward.Contains('?') ? "&" : "?") + "word=yes"));
        Assert.Equal("synchronous 1", await server.Client.GetStringAsync(links[1]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Blocking_on_a_suspension_fails_fast_and_says_to_await_instead(bool stateless)
    {
        var ran = 0;
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(_ => SendSuspendDispatch(embed => Response.Html(
            $"<a href=\"{embed(r =>
            {
                Interlocked.Increment(ref ran);
                var again = RedirectGet().Result;   // the mistake: the task finishes only with the next request
                return Response.Text("after " + again.Method);
            })}\">go</a>")), stateless: stateless));
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false })
        {
            BaseAddress = server.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(30),
        };
        var link = Browser.FirstLink(await client.GetStringAsync("/"));
        var watch = Stopwatch.StartNew();
        var first = await client.GetAsync(link);
        var answer = first.StatusCode == HttpStatusCode.SeeOther
            ? await client.GetAsync(first.Headers.Location)   // the redirect went out before the servlet blocked
            : first;
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        var page = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.InternalServerError, page);
        // Stateful: the thread is freed and the next request says why; stateless: a synchronous handler cannot suspend at all.
        Assert.True(page.Contains(stateless ? "a link cannot carry" : "blocked its thread"), page);
        Assert.Contains("await RedirectGet()", page);
        Assert.Contains("embed(Add)", page);
        Assert.Equal(1, ran);
    }
}
