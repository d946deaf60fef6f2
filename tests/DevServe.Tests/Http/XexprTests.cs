using System.Net;
using static DevServe.Web;
using static DevServe.Xexpr;

namespace DevServe.Tests;

/// <summary>HTML written like x-expressions: what it writes, what it escapes, and how it meets EmbedUrl.</summary>
public sealed class XexprTests
{
    private sealed record Post(string Title, string Body, int Comments);

    private static string Write(System.Xml.Linq.XElement page)
    {
        using var body = new MemoryStream();
        Response.Xexpr(page).Output(body).GetAwaiter().GetResult();
        return System.Text.Encoding.UTF8.GetString(body.ToArray());
    }

    [Fact]
    public void Elements_take_attribute_pairs_then_children_text_numbers_sequences_and_nulls()
    {
        Post[] posts = [new("First", "Hello", 2), new("Second", "World", 0)];
        var page = Html(
            Head(Title("My Blog"), Link(("rel", "stylesheet"), ("href", "/style.css"))),
            Body(
                H1(("class", "title"), "My Blog"),
                posts.Length == 0 ? P("No posts yet.") : null,
                Div(posts.Select(p => Div(("class", "post"), H2(p.Title), P(p.Body), P(p.Comments, " comment(s)")))),
                Form(("method", "post"), Input(("name", "title"), ("size", 40), ("autofocus", posts.Length > 5 ? "autofocus" : null)), Textarea(("name", "body")))));
        Assert.Equal("<html><head><title>My Blog</title><link rel=\"stylesheet\" href=\"/style.css\" /></head><body>"
            + "<h1 class=\"title\">My Blog</h1><div><div class=\"post\"><h2>First</h2><p>Hello</p><p>2 comment(s)</p></div>"
            + "<div class=\"post\"><h2>Second</h2><p>World</p><p>0 comment(s)</p></div></div>"
            + "<form method=\"post\"><input name=\"title\" size=\"40\" /><textarea name=\"body\"></textarea></form></body></html>", Write(page));
    }

    [Fact]
    public void What_a_user_typed_never_becomes_markup()
    {
        const string Hostile = "<script>alert(1)</script>\" onmouseover=\"x";
        Assert.Equal("<p title=\"&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;x\">&lt;script&gt;alert(1)&lt;/script&gt;\" onmouseover=\"x</p>",
            Write(P(("title", Hostile), Hostile)));
        Assert.Equal("<script src=\"/app.js\"></script>", Write(El("script", ("src", "/app.js"))));
        // Nothing in a comment can close it, and nothing in a script's text can end it or swallow the rest of the page.
        Assert.Equal("<p><!--&gt;- -&gt;&lt;script&gt;x&lt;/script&gt;--></p>", Write(P(new System.Xml.Linq.XComment(">--><script>x</script>"))));
        Assert.Equal("<script>var s = \"<\\!--<script><\\/script>\";</script>", Write(El("script", "var s = \"<!--<script></script>\";")));
    }

    [Fact]
    public async Task An_embedded_handler_goes_straight_into_an_attribute()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(_ => SendSuspendDispatch(embed => Response.Xexpr(
            Html(Body(A(("href", embed(_ => Response.Xexpr(P("viewed <it>")))), "view")))))));
        var link = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        var viewed = await server.Client.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, viewed.StatusCode);
        Assert.Equal("<p>viewed &lt;it&gt;</p>", await viewed.Content.ReadAsStringAsync());
    }
}
