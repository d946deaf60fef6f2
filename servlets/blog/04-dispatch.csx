// Step 4: the form's action is a URL made by `embed` for a handler (SendSuspendDispatch), so Start stops being
// a traffic cop. Run: scripts/devserve run servlets/blog/04-dispatch.csx   (then open the blog in a second window)

record Post(string Title, string Body);

Post[] blog =
[
    new("Second Post", "This is another post"),
    new("First Post", "This is my first post"),
];

Response Start(Request request) => RenderBlogPage(blog, request);

Post ParsePost(Bindings bindings) =>
    new(bindings["title"] ?? "", bindings["body"] ?? "");

// The page of these posts. Its form goes to InsertPostHandler, which sees `posts` as they were on this page.
Response RenderBlogPage(Post[] posts, Request request)
{
    return SendSuspendDispatch(embed =>
        Response.Xexpr(
            Html(Head(Title("My Blog")),
                 Body(H1("My Blog"),
                      RenderPosts(posts),
                      Form(("action", embed(r => InsertPostHandler(r))), ("method", "post"),
                           Input(("name", "title"), ("placeholder", "Title")),
                           Input(("name", "body"), ("placeholder", "Body")),
                           Input(("type", "submit"), ("value", "Post"))))),
            "<!DOCTYPE html>"));

    // Runs when the form is submitted: the same page, with one more post on top.
    Response InsertPostHandler(Request request) =>
        RenderBlogPage([ParsePost(request.Bindings), .. posts], request);
}

XElement RenderPost(Post post) =>
    Div(("class", "post"), post.Title, P(post.Body));

XElement RenderPosts(Post[] posts) =>
    Div(("class", "posts"), posts.Select(RenderPost));
