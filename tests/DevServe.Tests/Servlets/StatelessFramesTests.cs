using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using static DevServe.Web;

namespace DevServe.Tests;

/// <summary>
/// Stateless resumable servlets: the link carries the suspended frames (or the embedded handler with its captured
/// values), so nothing before the suspension runs again and a link names exactly what its page offered.
/// </summary>
public sealed class StatelessFramesTests : IDisposable
{
    private readonly TempDirectory _store = new();
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    private IStuffer<byte[]> Stuffer => Stuffers.Make(_key, new DirectoryStore(_store.Path));

    public void Dispose() => _store.Dispose();

    private Task<LoopbackServer> Serve(Func<Request, Task<Response>> start)
        => LoopbackServer.StartAsync(Servlets.DispatchServlet(start, stateless: true, stuffer: Stuffer));

    private static string Form(string k, string text) => $"<p>{text}</p><form method=\"post\" action=\"{k}\"></form>";

    [Fact]
    public async Task The_roster_back_button_adds_each_name_once_per_submit()
    {
        var added = new ConcurrentQueue<string>();
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            var names = new List<string>();
            while (true)
            {
                var answer = await SendSuspend(k => Response.Html(Form(k, string.Join(",", names))));
                added.Enqueue(answer.Bindings["name"]!);
                names = [.. names, answer.Bindings["name"]!];
            }
        }
        await using var server = await Serve(Start);
        var page1 = await server.Client.GetStringAsync("/");
        Assert.Contains(";c=", Browser.FirstLink(page1));
        var page2 = await server.Client.PostAsync(Browser.FirstLink(page1), ("name", "ann"));
        var page3 = await server.Client.PostAsync(Browser.FirstLink(page2), ("name", "bob"));
        var page4 = await server.Client.PostAsync(Browser.FirstLink(page3), ("name", "cy"));
        Assert.Contains("<p>ann,bob,cy</p>", page4);
        Assert.Contains("<p>ann,bob,dee</p>", await server.Client.PostAsync(Browser.FirstLink(page3), ("name", "dee")));
        Assert.Equal(["ann", "bob", "cy", "dee"], added);
    }

    private sealed record Tagged(string Title)
    {
        public IReadOnlyList<string> Tags { get; init; } = [];
    }

    [Fact]
    public async Task Lists_made_by_collection_expressions_travel_in_a_link()
    {
        // [..] given to an IReadOnlyList<T> is a type the compiler makes (<>z__ReadOnlyArray<T>), not a List<T> or an array.
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            var post = new Tagged("post") { Tags = ["x", "y"] };
            IReadOnlyList<int> single = [7];
            var answer = await SendSuspend(k => Response.Html(Form(k, "tags")));
            return Response.Text($"{post.Title}: {string.Join(",", post.Tags)} {single[0]} {answer.Bindings["n"]}");
        }
        await using var server = await Serve(Start);
        var link = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        Assert.Equal("post: x,y 7 1", await server.Client.PostAsync(link, ("n", "1")));
    }

    [Fact]
    public async Task An_old_view_link_views_its_own_item_after_the_list_changed()
    {
        var items = new List<string> { "a", "b" };
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            await Task.Yield();
            return List();
        }
        Response List() => SendSuspendDispatch(embed => Response.Html(
            string.Concat(items.Select(item => $"<a href=\"{embed(_ => Response.Text("view " + item))}\">view {item}</a> "))
            + $"<a href=\"{embed(_ => Add())}\">add</a>"));
        Response Add()
        {
            items.Insert(0, "new");
            return List();
        }
        await using var server = await Serve(Start);
        var page = await server.Client.GetStringAsync("/");
        var links = Browser.Links(page);
        await server.Client.GetStringAsync(links[2]);   // add: the list is now new, a, b
        Assert.Equal("view a", await server.Client.GetStringAsync(links[0]));   // the old page's "view a"
        Assert.Equal("view b", await server.Client.GetStringAsync(links[1]));
    }

    [Fact]
    public async Task Post_redirect_get_inserts_once_per_post_and_never_on_get_or_reload()
    {
        var posts = new ConcurrentQueue<string>();
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            while (true)
            {
                var post = await SendSuspend(k => Response.Html(Form(k, string.Join(",", posts))));
                posts.Enqueue(post.Bindings["title"]!);
                await RedirectGet();
            }
        }
        await using var server = await Serve(Start);
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.Client.BaseAddress };
        var form = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        using var body = new FormUrlEncodedContent([new("title", "bob")]);
        var posted = await noRedirects.PostAsync(form, body);
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        var after = posted.Headers.Location!.OriginalString;
        for (var reload = 0; reload < 3; reload++)
        {
            Assert.Contains("<p>bob</p>", await server.Client.GetStringAsync(after));
        }
        Assert.Equal(["bob"], posts);
    }

    [Fact]
    public async Task A_conversation_ten_steps_deep_keeps_a_short_link_and_runs_nothing_twice()
    {
        var steps = 0;
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            var sum = 0;
            for (var step = 1; ; step++)
            {
                Interlocked.Increment(ref steps);
                var answer = await SendSuspend(k => Response.Html($"<a href=\"{k}\">step {step}</a>"));
                sum += int.Parse(answer.Bindings["n"]!, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        await using var server = await Serve(Start);
        var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        for (var step = 1; step <= 10; step++)
        {
            k = Browser.FirstLink(await server.Client.GetStringAsync(k + "?n=" + step));
        }
        Assert.InRange(k.Length, 1, 250);
        Assert.Equal(11, steps);
    }

    [Fact]
    public async Task A_local_a_link_cannot_carry_gets_a_page_naming_it_and_its_type()
    {
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            var text = new StringBuilder("x");
            await SendSuspend(k => Response.Html(Form(k, "go")));
            return Response.Text(text.ToString());
        }
        await using var server = await Serve(Start);
        var response = await server.Client.GetAsync("/");
        var page = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("text", page);
        Assert.Contains("StringBuilder", page);
    }

    [Fact]
    public async Task Links_naming_types_outside_the_servlet_or_the_allow_list_are_refused_and_nothing_runs()
    {
        var ran = 0;
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        async Task<Response> Start(Request request)
        {
            var answer = await SendSuspend(k => Response.Html(Form(k, "go")));
            Interlocked.Increment(ref ran);
            return Response.Text("ran");
        }
        await using var server = await Serve(Start);
        var real = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var path = real[..real.IndexOf(";c=", StringComparison.Ordinal)];
        var now = Varint(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        byte[][] forged =
        [
            [1, .. now, 2, 0, 30, .. TypeId("System.Diagnostics.Process"), 0, 0, 0, 0, 0, 0, 0, 0],   // a framework type
            [1, .. now, 2, 0, 18, 30, .. TypeId("System.IO.FileInfo"), 0, 0, 0, 0, 0, 0, 0, 0, 0],   // List<FileInfo>
            [2, .. now, 30, .. TypeId("System.Diagnostics.Process"), .. Utf8("Start"), 0, 0, 0, 0, 0, 0, 0, 0, 0],   // a handler on it
            [1, .. now, 2, 0, 24, 0, 0, 0, 0],   // a type id DevServe never writes
            [1, .. Varint(DateTimeOffset.UtcNow.AddDays(-8).ToUnixTimeSeconds()), 0],   // expired
            [1, .. now, 0x7F],   // garbage
        ];
        foreach (var bytes in forged)
        {
            var url = path + ";c=" + Encoding.ASCII.GetString(Stuffer.In(bytes));
            var response = await server.Client.GetAsync(url);
            Assert.InRange((int)response.StatusCode, 400, 499);
        }
        Assert.Equal(0, ran);
        Assert.Equal("ran", await server.Client.GetStringAsync(real));   // the real link still works
    }

    [Fact]
    public async Task A_plain_async_caller_suspending_right_after_a_resumable_callee_returned_still_gets_its_page()
    {
        [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
        static async Task<int> Resumable()
        {
            await Task.Yield();
            return 1;
        }
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>   // a lambda: not resumable
        {
            var n = await Resumable();
            var r = await SendSuspend(k => Response.Html(Form(k, "n=" + n)));
            return Response.Text("got " + r.Bindings["name"]);
        }, stateless: true, stuffer: Stuffer));
        var page = await server.Client.GetStringAsync("/").WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("<p>n=1</p>", page);
        Assert.Equal("got ann", await server.Client.PostAsync(Browser.FirstLink(page), ("name", "ann")));   // replayed: the lambda has no frames to carry
    }

    [Fact]
    public void A_link_signed_before_key_ids_still_verifies()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var legacy = Stuffers.Hmac(key).In("old link"u8.ToArray());
        Assert.Equal("old link"u8.ToArray(), Stuffers.Hmac([key]).Out(legacy));
        Assert.False(Stuffers.Hmac([RandomNumberGenerator.GetBytes(32)]).TryOut(legacy, out _));
    }

    private static byte[] TypeId(string fullName) => SHA256.HashData(Encoding.UTF8.GetBytes(fullName))[..4];

    private static byte[] Utf8(string s) => [.. Varint(Encoding.UTF8.GetByteCount(s)), .. Encoding.UTF8.GetBytes(s)];

    private static byte[] Varint(long value)
    {
        var v = (ulong)((value << 1) ^ (value >> 63));
        var bytes = new List<byte>();
        while (v >= 0x80)
        {
            bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }
        bytes.Add((byte)v);
        return [.. bytes];
    }
}

/// <summary>The default stuffer chain's key rotation and encryption, end to end through a stateless servlet.</summary>
public sealed class StatelessLinkKeysTests : IDisposable
{
    private readonly TempDirectory _store = new();

    public void Dispose() => _store.Dispose();

    [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
    private static async Task<Response> Start(Request request)
    {
        var secret = "hunter2-" + request.Bindings["who"];
        var answer = await SendSuspend(k => Response.Html($"<a href=\"{k}\">go</a>"));
        return Response.Text(secret.Length + " " + answer.Method);
    }

    private async Task<(string Link, string Answer)> LinkAndAnswer(IStuffer<byte[]> maker, IStuffer<byte[]> resumer)
    {
        await using var first = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start, stateless: true, stuffer: maker));
        var k = Browser.FirstLink(await first.Client.GetStringAsync("/?who=me"));
        await using var second = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start, stateless: true, stuffer: resumer));
        var response = await second.Client.GetAsync(k);
        return (k, response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : ((int)response.StatusCode).ToString());
    }

    [Fact]
    public async Task A_link_made_under_a_retired_key_still_resumes_until_the_key_is_dropped()
    {
        var (old, current) = (RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
        var store = new DirectoryStore(_store.Path);
        Assert.Equal("10 GET", (await LinkAndAnswer(Stuffers.Make([old], store), Stuffers.Make([current, old], store))).Answer);
        Assert.Equal("400", (await LinkAndAnswer(Stuffers.Make([old], store), Stuffers.Make([current], store))).Answer);
    }

    [Fact]
    public async Task An_encrypted_link_resumes_and_does_not_show_its_locals()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var store = new DirectoryStore(_store.Path);
        var (plainLink, _) = await LinkAndAnswer(Stuffers.Make([key], store), Stuffers.Make([key], store));
        Assert.Contains("hunter2-me", Readable(plainLink));   // signed only: anyone can read the locals
        var (sealedLink, answer) = await LinkAndAnswer(Stuffers.Make([key], store, encrypt: true), Stuffers.Make([key], store, encrypt: true));
        Assert.Equal("10 GET", answer);
        Assert.DoesNotContain("hunter2", Readable(sealedLink));
    }

    // What a visitor can read of a link: base64, then skip the key id and the MAC, then gunzip if it is gzip.
    private static string Readable(string link)
    {
        var token = link[(link.IndexOf(";c=", StringComparison.Ordinal) + 3)..];
        var bytes = Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/').PadRight((token.Length + 3) / 4 * 4, '='));
        var body = bytes.AsSpan(1 + 32 + 1).ToArray();   // key id, MAC, the "not in the store" flag
        try
        {
            using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(body), System.IO.Compression.CompressionMode.Decompress);
            using var text = new MemoryStream();
            gzip.CopyTo(text);
            return Encoding.Latin1.GetString(text.ToArray());
        }
        catch (InvalidDataException)
        {
            return Encoding.Latin1.GetString(body);
        }
    }
}
