// Step 5: one mutable Blog object shared by every request, so every window sees the same posts.
// Run: scripts/devserve run servlets/blog/05-shared-state.csx   (add posts from two windows)

record Post(string Title, string Body);

// A blog is mutable: its Posts can be replaced by a longer list (Racket: a #:mutable struct).
class Blog(IReadOnlyList<Post> posts)
{
    public IReadOnlyList<Post> Posts { get; set; } = posts;
}

// The one blog of this servlet: a top-level variable lives as long as the script (until you save it).
var blog = new Blog(
[
    new("Second Post", "This is another post"),
    new("First Post", "This is my first post"),
]);

// Puts a post on top of the blog. Requests run on several threads at once: the lock makes the
// read-and-replace one step, so two posts sent together are both kept.
void BlogInsertPost(Blog blog, Post post)
{
    lock (blog) blog.Posts = [post, .. blog.Posts];
}

Response Start(Request request) => RenderBlogPage(request);

Post ParsePost(Bindings bindings) =>
    new(bindings["title"] ?? "", bindings["body"] ?? "");

// The page of the blog as it is now.
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
    Div(("class", "post"), post.Title, P(post.Body));

XElement RenderPosts() =>
    Div(("class", "posts"), blog.Posts.Select(RenderPost));
