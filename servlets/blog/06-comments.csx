// Step 6: posts get comments: the model grows (PostInsertComment), and each post shows its comments.
// Run: scripts/devserve run servlets/blog/06-comments.csx   (there is no way to add a comment yet: step 7)

// A post is mutable now: its Comments can be replaced by a longer list.
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

void BlogInsertPost(Blog blog, Post post)
{
    lock (blog) blog.Posts = [post, .. blog.Posts];
}

// Adds a comment at the end of a post's comments.
void PostInsertComment(Post post, string comment)
{
    lock (post) post.Comments = [.. post.Comments, comment];
}

Response Start(Request request) => RenderBlogPage(request);

Post ParsePost(Bindings bindings) =>
    new(bindings["title"] ?? "", bindings["body"] ?? "");

Response RenderBlogPage(Request request)
{
    return SendSuspendDispatch(embed =>
        Response.Xexpr(
            Html(Head(Title("My Blog")),
                 Body(H1("My Blog"),
                      RenderPosts(),
                      Form(("action", embed(r => InsertPostHandler(r))), ("method", "post"),
                           Input(("name", "title"), ("placeholder", "Title")),
                           Input(("name", "body"), ("placeholder", "Body")),
                           Input(("type", "submit"), ("value", "Post"))))),
            "<!DOCTYPE html>"));

    Response InsertPostHandler(Request request)
    {
        BlogInsertPost(blog, ParsePost(request.Bindings));
        return RenderBlogPage(request);
    }
}

XElement RenderPost(Post post) =>
    Div(("class", "post"),
        post.Title,
        P(post.Body),
        Div(post.Comments.Count, " comment(s)"),
        RenderAsItemizedList(post.Comments));

XElement RenderPosts() =>
    Div(("class", "posts"), blog.Posts.Select(RenderPost));

// Any list of items as <ul><li>…</li>…</ul>.
XElement RenderAsItemizedList(IEnumerable<object> items) =>
    Ul(items.Select(item => Li(item)));
