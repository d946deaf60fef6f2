// Step 13: the pages link a style sheet, htdocs/style.css beside the script, which devserve serves as /style.css.
// Run: scripts/devserve run servlets/blog/13-css.csx   (then edit htdocs/style.css and save: the page restyles)
#load "model-3.csx"

Response Start(Request request) =>
    RenderBlogPage(InitializeBlog(Path.Combine(CurrentDirectory, "blog.db")), request);

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

// One post's page, read from the database each time it is shown.
Response RenderPostDetailPage(Blog blog, long postId, Request request)
{
    var post = BlogPost(blog, postId);
    return SendSuspendDispatch(embed => Page("Post Details",
        H2(post.Title),
        P(post.Body),
        RenderAsItemizedList(PostComments(blog, postId)),
        Form(("action", embed(InsertCommentHandler)), ("method", "post"),
             Input(("name", "comment"), ("placeholder", "Comment")),
             Input(("type", "submit"), ("value", "Comment"))),
        P(A(("href", embed(r => RenderBlogPage(blog, r))), "Back to the blog"))));

    async Task<Response> InsertCommentHandler(Request request)
    {
        PostInsertComment(blog, postId, request.Bindings["comment"] ?? "");
        return RenderPostDetailPage(blog, postId, await RedirectGet());
    }
}

// A post on the blog page. Its link's handler keeps the post's id, not the post.
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

// Both pages share this frame, and with it the style sheet.
Response Page(string title, params object?[] content) =>
    Response.Xexpr(
        Html(Head(Title(title), Link(("rel", "stylesheet"), ("href", "/style.css"))),
             Body(H1(title), content)),
        "<!DOCTYPE html>");
