// Step 8: the detail page links back to the blog, with a handler made by embed like every other link.
// Run: scripts/devserve run servlets/blog/08-back-link.csx   (compare the link with the browser's Back button)

record Post(string Title, string Body)
{
    public IReadOnlyList<string> Comments { get; set; } = [];
}

class Blog(IReadOnlyList<Post> posts)
{
    public IReadOnlyList<Post> Posts { get; set; } = posts;
}

var blog = new Blog(
[
    new("Second Post", "This is another post"),
    new("First Post", "This is my first post") { Comments = ["First comment!"] },
]);

void BlogInsertPost(Blog blog, Post post) { lock (blog) blog.Posts = [post, .. blog.Posts]; }

void PostInsertComment(Post post, string comment) { lock (post) post.Comments = [.. post.Comments, comment]; }

Response Start(Request request) => RenderBlogPage(request);

Response RenderBlogPage(Request request)
{
    return SendSuspendDispatch(embed => Page("My Blog",
        RenderPosts(embed),
        Form(("action", embed(r => InsertPostHandler(r))), ("method", "post"),
             Input(("name", "title"), ("placeholder", "Title")),
             Input(("name", "body"), ("placeholder", "Body")),
             Input(("type", "submit"), ("value", "Post")))));

    Post ParsePost(Bindings bindings) => new(bindings["title"] ?? "", bindings["body"] ?? "");

    Response InsertPostHandler(Request request)
    {
        BlogInsertPost(blog, ParsePost(request.Bindings));
        return RenderBlogPage(request);
    }
}

// One post's page: its comments, a form that adds a comment to this post, and a way back.
Response RenderPostDetailPage(Post post, Request request)
{
    return SendSuspendDispatch(embed => Page("Post Details",
        H2(post.Title),
        P(post.Body),
        RenderAsItemizedList(post.Comments),
        Form(("action", embed(r => InsertCommentHandler(r))), ("method", "post"),
             Input(("name", "comment"), ("placeholder", "Comment")),
             Input(("type", "submit"), ("value", "Comment"))),
        P(A(("href", embed(r => RenderBlogPage(r))), "Back to the blog"))));

    string ParseComment(Bindings bindings) => bindings["comment"] ?? "";

    Response InsertCommentHandler(Request request)
    {
        PostInsertComment(post, ParseComment(request.Bindings));
        return RenderPostDetailPage(post, request);
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
