// Step 11: the blog lives in blog-data.json beside the script: read when the blog page starts, written after every
// change. Run: scripts/devserve run servlets/blog/11-persistence.csx   (add a post, stop, start again: still there)
#load "model-2.csx"

// Each visit to the blog starts from the file (CurrentDirectory is the script's folder).
Response Start(Request request) =>
    RenderBlogPage(InitializeBlog(Path.Combine(CurrentDirectory, "blog-data.json")), request);

// The blog is passed along from page to page now: there is no top-level blog any more.
Response RenderBlogPage(Blog blog, Request request)
{
    return SendSuspendDispatch(embed => Page("My Blog",
        RenderPosts(blog, embed),
        Form(("action", embed(InsertPostHandler)), ("method", "post"),
             Input(("name", "title"), ("placeholder", "Title")),
             Input(("name", "body"), ("placeholder", "Body")),
             Input(("type", "submit"), ("value", "Post")))));

    async Task<Response> InsertPostHandler(Request request)
    {
        BlogInsertPost(blog, request.Bindings["title"] ?? "", request.Bindings["body"] ?? "");
        return RenderBlogPage(blog, await RedirectGet());
    }
}

Response RenderPostDetailPage(Blog blog, Post post, Request request)
{
    return SendSuspendDispatch(embed => Page("Post Details",
        H2(post.Title),
        P(post.Body),
        RenderAsItemizedList(post.Comments),
        Form(("action", embed(InsertCommentHandler)), ("method", "post"),
             Input(("name", "comment"), ("placeholder", "Comment")),
             Input(("type", "submit"), ("value", "Comment"))),
        P(A(("href", embed(r => RenderBlogPage(blog, r))), "Back to the blog"))));

    async Task<Response> InsertCommentHandler(Request request)
    {
        PostInsertComment(blog, post, request.Bindings["comment"] ?? "");
        return RenderPostDetailPage(blog, post, await RedirectGet());
    }
}

XElement RenderPost(Blog blog, Post post, EmbedUrl embed) =>
    Div(("class", "post"),
        A(("href", embed(r => RenderPostDetailPage(blog, post, r))), post.Title),
        P(post.Body),
        Div(post.Comments.Count, " comment(s)"));

XElement RenderPosts(Blog blog, EmbedUrl embed) =>
    Div(("class", "posts"), blog.Posts.Select(post => RenderPost(blog, post, embed)));

XElement RenderAsItemizedList(IEnumerable<object> items) => Ul(items.Select(item => Li(item)));

Response Page(string title, params object?[] content) =>
    Response.Xexpr(Html(Head(Title(title)), Body(H1(title), content)), "<!DOCTYPE html>");
