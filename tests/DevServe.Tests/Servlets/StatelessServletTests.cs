using System.Net;
using System.Security.Cryptography;
using static DevServe.Web;

namespace DevServe.Tests;

/// <summary>Stateless servlets: the continuation is the URL; any server with the key (and store) resumes it.</summary>
public sealed class StatelessServletTests : IDisposable
{
    private readonly TempDirectory _store = new();
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    private IStuffer<byte[]> Stuffer => Stuffers.Make(_key, new DirectoryStore(_store.Path));

    private async Task<LoopbackServer> Serve(string example, IStuffer<byte[]>? stuffer = null)
        => await LoopbackServer.StartAsync(Servlets.DispatchServlet(await ExampleServlets.LoadAsync(example), stateless: true,
            stuffer: stuffer ?? Stuffer));

    public void Dispose() => _store.Dispose();

    [Theory]
    [InlineData("stateless-add.csx")]
    [InlineData("add-dispatch.csx")]
    public async Task Adding_works_and_the_back_button_replays(string servlet)
    {
        await using var server = await Serve(servlet);
        var k1 = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        Assert.Contains(";c=", k1);
        var k2 = Browser.FirstLink(await server.Client.PostAsync(k1, ("number", "17")));
        Assert.Contains("The answer is 42", await server.Client.PostAsync(k2, ("number", "25")));
        Assert.Contains("The answer is 117", await server.Client.PostAsync(k2, ("number", "100")));
        var again = Browser.FirstLink(await server.Client.PostAsync(k1, ("number", "1")));
        Assert.Contains("The answer is 3", await server.Client.PostAsync(again, ("number", "2")));
    }

    [Fact]
    public async Task A_k_url_survives_a_restart_and_works_on_a_second_server_with_the_same_key()
    {
        string k2;
        await using (var first = await Serve("stateless-add.csx"))
        {
            var k1 = Browser.FirstLink(await first.Client.GetStringAsync("/"));
            k2 = Browser.FirstLink(await first.Client.PostAsync(k1, ("number", "17")));
        }
        await using (var restarted = await Serve("stateless-add.csx"))
        {
            Assert.Contains("The answer is 18", await restarted.Client.PostAsync(k2, ("number", "1")));
        }
        await using var other = await Serve("stateless-add.csx", Stuffers.Make(RandomNumberGenerator.GetBytes(32), new DirectoryStore(_store.Path)));
        var refused = await other.Client.PostAsync(k2, new FormUrlEncodedContent([new("number", "1")]));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);   // another key: the link is not valid there
    }

    [Fact]
    public async Task Changing_any_character_of_a_k_url_is_refused_and_runs_nothing()
    {
        var resumed = 0;
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            var r = await SendSuspend(k => Response.Html($"<a href=\"{k}\">next</a>"));
            Interlocked.Increment(ref resumed);
            return Response.Text("resumed " + r.Method);
        }, stateless: true, stuffer: Stuffer));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/p"));
        var at = k.IndexOf(";c=", StringComparison.Ordinal) + 3;
        for (var i = at; i < k.Length; i++)
        {
            var replacement = k[i] == 'A' ? 'B' : 'A';
            var (status, body) = await server.Client.FetchAsync(k[..i] + replacement + k[(i + 1)..]);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("This link is not valid", body);
        }
        var (cut, _) = await server.Client.FetchAsync(k[..^5]);
        Assert.Equal(HttpStatusCode.BadRequest, cut);
        Assert.Equal(0, resumed);
        Assert.Equal("resumed GET", await server.Client.GetStringAsync(k));
    }

    [Fact]
    public async Task A_log_too_big_for_a_url_goes_to_the_store_and_still_resumes()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            var a = await SendSuspend(k => Response.Html($"<form action=\"{k}\" method=\"post\"></form>"));
            var b = await SendSuspend(k => Response.Html($"<form action=\"{k}\" method=\"post\"></form>"));
            return Response.Text($"{a.Bindings["blob"]!.Length} {b.Bindings["n"]}");
        }, stateless: true, stuffer: Stuffer));
        var k1 = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var blob = Convert.ToHexString(RandomNumberGenerator.GetBytes(2000));   // 4000 characters that do not compress
        var k2 = Browser.FirstLink(await server.Client.PostAsync(k1, ("blob", blob)));
        Assert.True(k2.Length < 300, $"k-url of {k2.Length} characters");
        Assert.NotEmpty(Directory.GetFiles(_store.Path));
        Assert.Equal("4000 7", await server.Client.PostAsync(k2, ("n", "7")));
        foreach (var file in Directory.GetFiles(_store.Path))
        {
            File.Delete(file);   // the store lost the entry: the link is invalid now, and says so
        }
        var lost = await server.Client.PostAsync(k2, new FormUrlEncodedContent([new("n", "7")]));
        Assert.Equal(HttpStatusCode.BadRequest, lost.StatusCode);
    }

    [Fact]
    public async Task Nothing_of_a_conversation_stays_in_server_memory()
    {
        var tracker = new WeakTracker();
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            var marker = tracker.Track();
            await SendSuspend(k => Response.Html($"<a href=\"{k}\">{marker.GetHashCode()}</a>"));
            return Response.Text(marker.ToString()!);
        }, stateless: true, stuffer: Stuffer));
        for (var i = 0; i < 50; i++)
        {
            await server.Client.GetStringAsync(Browser.FirstLink(await server.Client.GetStringAsync("/")));
        }
        Assert.Equal(0, tracker.AliveAfterCollecting());
    }

    [Fact]
    public async Task Remember_keeps_the_game_the_same_across_replays()
    {
        await using var server = await Serve("guess.csx");
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        // Binary search through the same k-url chain; every request replays Start, and the secret must not move.
        int low = 1, high = 100, tries = 0;
        while (true)
        {
            var guess = (low + high) / 2;
            var page = await server.Client.PostAsync(k, ("guess", guess.ToString()));
            Assert.True(++tries <= 7, page);
            if (page.Contains(" it is, in "))
            {
                Assert.Contains($"{guess} it is", page);
                break;
            }
            if (page.Contains("too small"))
            {
                low = guess + 1;
            }
            else
            {
                Assert.Contains("too big", page);
                high = guess - 1;
            }
            k = Browser.FirstLink(page);
        }
    }

    [Fact]
    public async Task RedirectGet_works_statelessly()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            var posted = await SendSuspend(k => Response.Html($"<form action=\"{k}\" method=\"post\"></form>"));
            var get = await RedirectGet();
            return Response.Text($"{posted.Method} {posted.Bindings["x"]} then {get.Method}");
        }, stateless: true, stuffer: Stuffer));
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var redirected = await server.Client.PostAsync(k, new FormUrlEncodedContent([new("x", "1")]));
        Assert.Equal("POST 1 then GET", await redirected.Content.ReadAsStringAsync());
        Assert.Contains(";c=", redirected.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task Closures_are_found_again_by_their_position_on_the_page()
    {
        await using var server = await Serve("counter.csx");
        var zero = await server.Client.GetStringAsync("/");
        var one = await server.Client.GetStringAsync(Browser.Links(zero)[0]);
        Assert.Contains("Count: 1", one);
        Assert.Contains("Count: 2", await server.Client.GetStringAsync(Browser.Links(one)[0]));
        Assert.Contains("Count: 0", await server.Client.GetStringAsync(Browser.Links(one)[1]));
        Assert.Contains("Count: -1", await server.Client.GetStringAsync(Browser.Links(zero)[1]));
    }

    [Fact]
    public async Task A_conversation_larger_than_the_store_keeps_gets_a_413_page_not_a_500()
    {
        using var dir = new TempDirectory();
        var small = Stuffers.Make(RandomNumberGenerator.GetBytes(32), new DirectoryStore(dir.Path, maxBytes: 3000));
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            var a = await SendSuspend(k => Response.Html($"<form action=\"{k}\" method=\"post\"></form>"));
            var b = await SendSuspend(k => Response.Html($"<form action=\"{k}\" method=\"post\"></form>"));
            return Response.Text($"{a.Bindings["blob"]!.Length} {b.Bindings["n"]}");
        }, stateless: true, stuffer: small));
        var k1 = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var blob = Convert.ToHexString(RandomNumberGenerator.GetBytes(4000));   // its continuation passes the store's 3,000 bytes
        var response = await server.Client.PostAsync(k1, new FormUrlEncodedContent([new("blob", blob)]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("link store keeps", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(dir.Path));
    }
}
