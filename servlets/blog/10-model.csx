// Step 10: the model (Post, Blog, BlogInsertPost, PostInsertComment) moves to model.csx; #load brings it back.
// Run: scripts/devserve run servlets/blog/10-model.csx   (then edit model.csx and save: the servlet reloads too)
#load "model.csx"

Response Start(Request request) => RenderBlogPage(request);

Response RenderBlogPage(Request request)
{
    return SendSuspendDispatch(embed => Page("My Blog",
        RenderPosts(embed),
        Form(("action", embed(InsertPostHandler)), ("method", "post"),
             Input(("name", "title"), ("placeholder", "Title")),
             Input(("name", "body"), ("placeholder", "Body")),
             Input(("type", "submit"), ("value", "Post")))));

    Post ParsePost(Bindings bindings) => new(bindings["title"] ?? "", bindings["body"] ?? "");

    // Adds the post once, then redirects: the page after the 303 is the one a reload repeats.
    async Task<Response> InsertPostHandler(Request request)
    {
        BlogInsertPost(blog, ParsePost(request.Bindings));
        return RenderBlogPage(await RedirectGet());
    }
}

// One post's page: its comments, a form that adds a comment to this post, and a way back.
Response RenderPostDetailPage(Post post, Request request)
{
    return SendSuspendDispatch(embed => Page("Post Details",
        H2(post.Title),
        P(post.Body),
        RenderAsItemizedList(post.Comments),
        Form(("action", embed(InsertCommentHandler)), ("method", "post"),
             Input(("name", "comment"), ("placeholder", "Comment")),
             Input(("type", "submit"), ("value", "Comment"))),
        P(A(("href", embed(r => RenderBlogPage(r))), "Back to the blog"))));

    string ParseComment(Bindings bindings) => bindings["comment"] ?? "";

    async Task<Response> InsertCommentHandler(Request request)
    {
        PostInsertComment(post, ParseComment(request.Bindings));
        return RenderPostDetailPage(post, await RedirectGet());
    }
}

// A post on the blog page: its title links to the post's detail page.
XElement RenderPost(Post post, EmbedUrl embed) =>
    Div(("class", "post"),
        A(("href", embed(r => RenderPostDetailPage(post, r))), post.Title),
        P(post.Body),
        Div(post.Comments.Count, " comment(s)"));

XElement RenderPosts(EmbedUrl embed) =>
    Div(("class", "posts"), blog.Posts.Select(post => RenderPost(post, embed)));

XElement RenderAsItemizedList(IEnumerable<object> items) => Ul(items.Select(item => Li(item)));

// Both pages share this frame: a title, an <h1> with the same text, then the content.
Response Page(string title, params object?[] content) =>
    Response.Xexpr(Html(Head(Title(title)), Body(H1(title), content)), "<!DOCTYPE html>");
