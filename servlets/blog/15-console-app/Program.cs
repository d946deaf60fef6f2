// Step 15: the blog of step 14 as a program of its own, without devserve: it serves itself with
// Launch.ServeServlet (Racket: serve/servlet). Run: dotnet run --project servlets/blog/15-console-app
using System.Runtime.CompilerServices;
using System.Xml.Linq;
using BlogApp;
using DevServe;
using static BlogApp.Model;
using static DevServe.Formlets;
using static DevServe.Web;
using static DevServe.Xexpr;

var newPostFormlet =
    from title in InputString(("placeholder", "Title"))
    from body in TextareaInput(("placeholder", "Body"))
    select (Title: title, Body: body);
var newCommentFormlet = InputString(("placeholder", "Comment"));

// The program's folder holds everything: the program, htdocs/ (copied there by the build) and blog.db.
var home = AppContext.BaseDirectory;
await Launch.ServeServlet(Start,
    launchBrowser: false,                                   // #:launch-browser? #f
    quit: false,                                            // #:quit? #f
    port: 8000,                                             // #:port 8000
    extraFilesPaths: [Path.Combine(home, "htdocs")],        // #:extra-files-paths
    servletPath: "/servlets/blog",                          // #:servlet-path
    servletCurrentDirectory: home);

Response Start(Request request) =>
    RenderBlogPage(InitializeBlog(Path.Combine(CurrentDirectory, "blog.db")), request);

Response RenderBlogPage(Blog blog, Request request)
{
    return SendSuspendDispatch(embed => Page("My Blog",
        RenderPosts(blog, embed),
        Form(("action", embed(InsertPostHandler)), ("method", "post"),
             newPostFormlet.Display(),
             Input(("type", "submit"), ("value", "Post")))));

    // Outside a script, a handler that suspends asks for real continuations itself.
    [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
    async Task<Response> InsertPostHandler(Request request)
    {
        var (title, body) = newPostFormlet.Process(request);
        BlogInsertPost(blog, title, body);
        return RenderBlogPage(blog, await RedirectGet());
    }
}

Response RenderPostDetailPage(Blog blog, long postId, Request request)
{
    var post = BlogPost(blog, postId);
    return SendSuspendDispatch(embed => Page("Post Details",
        H2(post.Title),
        P(post.Body),
        RenderAsItemizedList(PostComments(blog, postId)),
        Form(("action", embed(InsertCommentHandler)), ("method", "post"),
             newCommentFormlet.Display(),
             Input(("type", "submit"), ("value", "Comment"))),
        P(A(("href", embed(r => RenderBlogPage(blog, r))), "Back to the blog"))));

    [AsyncMethodBuilder(typeof(ResumableTaskMethodBuilder<>))]
    async Task<Response> InsertCommentHandler(Request request)
    {
        PostInsertComment(blog, postId, newCommentFormlet.Process(request));
        return RenderPostDetailPage(blog, postId, await RedirectGet());
    }
}

XElement RenderPost(Blog blog, Post post, EmbedUrl embed)
{
    var id = post.Id;
    return Div(("class", "post"),
        A(("href", embed(r => RenderPostDetailPage(blog, id, r))), post.Title),
        P(post.Body),
        Div(PostComments(blog, id).Count, " comment(s)"));
}

XElement RenderPosts(Blog blog, EmbedUrl embed) =>
    Div(("class", "posts"), BlogPosts(blog).Select(post => RenderPost(blog, post, embed)));

XElement RenderAsItemizedList(IEnumerable<object> items) => Ul(items.Select(item => Li(item)));

Response Page(string title, params object?[] content) =>
    Response.Xexpr(
        Html(Head(Title(title), Link(("rel", "stylesheet"), ("href", "/style.css"))),
             Body(H1(title), content)),
        "<!DOCTYPE html>");
