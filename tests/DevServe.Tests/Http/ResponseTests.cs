using System.Net;
using System.Xml.Linq;

namespace DevServe.Tests;

/// <summary>The response constructors and cookies, as a client sees them.</summary>
public sealed class ResponseTests
{
    [Theory]
    [InlineData(RedirectionStatus.Permanently, "301 Moved Permanently")]
    [InlineData(RedirectionStatus.Temporarily, "302 Found")]
    [InlineData(RedirectionStatus.SeeOther, "303 See Other")]
    [InlineData(RedirectionStatus.TemporarilySameMethod, "307 Temporary Redirect")]
    public async Task RedirectTo_sends_the_status_line_and_location_with_no_body(RedirectionStatus status, string statusLine)
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(_ => Response.RedirectTo("/there", status)));
        var text = await server.RawAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith($"HTTP/1.1 {statusLine}\r\n", text);
        Assert.Contains("\r\nLocation: /there\r\n", text);
        Assert.DoesNotContain("Content-Type", text);
        Assert.Contains("\r\nContent-Length: 0\r\n", text);
        Assert.EndsWith("\r\n\r\n", text);
    }

    [Fact]
    public void RedirectTo_defaults_to_303_See_Other() => Assert.Equal(303, (int)Response.RedirectTo("/x").Code);

    [Fact]
    public async Task Cookies_are_set_with_their_attributes_and_read_back()
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(r => Response.Html(
            "<p>" + string.Join(",", r.Cookies.Select(c => $"{c.Name}={c.Value}")) + "</p>",
            cookies: [new Cookie("id", "a b;c") { HttpOnly = true, Secure = true, SameSite = SameSite.Strict, Path = "/", MaxAge = TimeSpan.FromHours(1) }])));
        var text = await server.RawAsync("GET / HTTP/1.1\r\nHost: x\r\nCookie: theme=dark; id=a%20b%3Bc\r\nConnection: close\r\n\r\n");
        Assert.Contains("\r\nSet-Cookie: id=a%20b%3Bc; max-age=3600; path=/; secure; samesite=strict; httponly\r\n", text);
        Assert.EndsWith("<p>theme=dark,id=a b;c</p>", text);
    }

    [Fact]
    public void Xexpr_writes_html_void_elements_self_close_every_other_element_gets_an_end_tag_and_text_is_escaped()
    {
        var page = new XElement("html",
            new XElement("head", new XElement("meta", new XAttribute("charset", "utf-8")), new XElement("script", new XAttribute("src", "/app.js")),
                new XElement("style", "p > a { color: red }")),
            new XElement("body",
                new XElement("form", new XElement("textarea", new XAttribute("name", "body")), new XElement("input", new XAttribute("name", "title")),
                    new XElement("br")),
                new XElement("div"),
                new XElement("p", new XAttribute("title", "\"quoted\" & <angled>"), "1 < 2 & 3 > 2"),
                new XElement("script", "if (a < b && c) { document.write('</script>'); }")));
        var html = System.Text.Encoding.UTF8.GetString(Body(Response.Xexpr(page)));
        Assert.Equal("<html><head><meta charset=\"utf-8\" /><script src=\"/app.js\"></script><style>p > a { color: red }</style></head>"
            + "<body><form><textarea name=\"body\"></textarea><input name=\"title\" /><br /></form><div></div>"
            + "<p title=\"&quot;quoted&quot; &amp; &lt;angled&gt;\">1 &lt; 2 &amp; 3 &gt; 2</p>"
            + "<script>if (a < b && c) { document.write('<\\/script>'); }</script></body></html>", html);
        // An XHTML namespace is dropped rather than written as a prefix or an xmlns the page never needed.
        XNamespace x = "http://www.w3.org/1999/xhtml";
        Assert.Equal("<p><b>bold</b></p>", System.Text.Encoding.UTF8.GetString(Body(Response.Xexpr(new XElement(x + "p", new XElement(x + "b", "bold"))))));
    }

    private static byte[] Body(Response response)
    {
        using var body = new MemoryStream();
        response.Output(body).GetAwaiter().GetResult();
        return body.ToArray();
    }

    [Fact]
    public async Task Xexpr_json_text_and_full_carry_their_types_and_lengths()
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(r => r.Path switch
        {
            "/xexpr" => Response.Xexpr(new XElement("html", new XElement("body", new XElement("p", "Hey & out there!"))), "<!DOCTYPE html>"),
            "/json" => Response.Json(new { name = "Euler", year = 1736 }),
            "/full" => Response.Full(418, null, null, "application/octet-stream", [new Header("X-A", "1")], ["ab"u8.ToArray(), "cd"u8.ToArray()]),
            "/empty" => Response.Empty(),
            _ => Response.Text("plain"),
        }));
        var client = server.Client;
        var xexpr = await client.GetAsync("/xexpr");
        Assert.Equal("text/html; charset=utf-8", xexpr.Content.Headers.ContentType!.ToString());
        Assert.Equal("<!DOCTYPE html><html><body><p>Hey &amp; out there!</p></body></html>", await xexpr.Content.ReadAsStringAsync());
        var json = await client.GetAsync("/json");
        Assert.Equal("application/json; charset=utf-8", json.Content.Headers.ContentType!.ToString());
        Assert.Equal("""{"name":"Euler","year":1736}""", await json.Content.ReadAsStringAsync());
        var full = await client.GetAsync("/full");
        Assert.Equal((HttpStatusCode)418, full.StatusCode);
        Assert.Equal("I'm a teapot", full.ReasonPhrase);
        Assert.Equal(4, full.Content.Headers.ContentLength);
        Assert.Equal("abcd", await full.Content.ReadAsStringAsync());
        Assert.Equal("1", full.Headers.GetValues("X-A").Single());
        var empty = await client.GetAsync("/empty");
        Assert.Equal(HttpStatusCode.NoContent, empty.StatusCode);
        Assert.Null(empty.Content.Headers.ContentType);
        Assert.Equal("text/plain; charset=utf-8", (await client.GetAsync("/")).Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public void Unknown_codes_get_OK_as_in_Racket_and_bad_codes_are_refused()
    {
        Assert.Equal("OK", Response.StatusMessage(299));
        Assert.Equal("Not Found", Response.StatusMessage(404));
        Assert.Throws<ArgumentOutOfRangeException>(() => { Response.Html("x", code: 42); });
    }

    [Fact]
    public async Task A_streamed_response_that_fails_midway_ends_without_the_final_chunk()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(_ => Response.Streamed(async output =>
        {
            await output.WriteAsync("partial"u8.ToArray());
            await received.Task.WaitAsync(TimeSpan.FromSeconds(10));   // the abort resets the socket: let the client read first
            throw new InvalidOperationException("broken midway");
        })));
        using var connection = server.Connect();
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var head = await connection.ReadUntilAsync("partial");
        received.SetResult();
        var text = head + await connection.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200 OK", text);
        Assert.DoesNotContain("\r\n0\r\n\r\n", text);
    }

    [Fact]
    public async Task A_streamed_response_that_fails_before_writing_gets_a_500_page()
    {
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(_ => Response.Streamed(
            _ => throw new InvalidOperationException("broken at once"))));
        Assert.Equal(HttpStatusCode.InternalServerError, (await server.Client.GetAsync("/")).StatusCode);
    }
}
