// Step 3: a form at the bottom of the page; when a request carries a title and a body, the page shows one more post.
// Run: scripts/devserve run servlets/blog/03-bindings.csx   (then add two posts: only the last one stays)

record Post(string Title, string Body);

Post[] blog =
[
    new("Second Post", "This is another post"),
    new("First Post", "This is my first post"),
];

// Start: if the request brings a post, show it on top of the blog.
Response Start(Request request)
{
    Post[] posts = CanParsePost(request.Bindings)
        ? [ParsePost(request.Bindings), .. blog]
        : blog;
    return RenderBlogPage(posts, request);
}

// Whether the bindings hold both a title and a body (Racket: can-parse-post?).
bool CanParsePost(Bindings bindings) =>
    bindings.Contains("title") && bindings.Contains("body");

// The post the bindings describe; call it only when CanParsePost says yes.
Post ParsePost(Bindings bindings) =>
    new(bindings["title"]!, bindings["body"]!);

Response RenderBlogPage(Post[] posts, Request request) =>
    Response.Xexpr(
        Html(Head(Title("My Blog")),
             Body(H1("My Blog"),
                  RenderPosts(posts),
                  Form(("method", "post"),
                       Input(("name", "title"), ("placeholder", "Title")),
                       Input(("name", "body"), ("placeholder", "Body")),
                       Input(("type", "submit"), ("value", "Post"))))),
        "<!DOCTYPE html>");

XElement RenderPost(Post post) =>
    Div(("class", "post"), post.Title, P(post.Body));

XElement RenderPosts(Post[] posts) =>
    Div(("class", "posts"), posts.Select(RenderPost));
