// Step 14: the two forms are formlets: each input's name is made for it and read back by the same formlet.
// Run: scripts/devserve run servlets/blog/14-formlets.csx   (look at the inputs' names in the page source)
#load "model-3.csx"

// The new-post form: a title, then a body; it reads back as both (Racket: new-post-formlet).
var newPostFormlet =
    from title in InputString(("placeholder", "Title"))
    from body in TextareaInput(("placeholder", "Body"))
    select (Title: title, Body: body);

// The comment form: one text input (Racket: new-comment-formlet).
var newCommentFormlet = InputString(("placeholder", "Comment"));

Response Start(Request request) =>
    RenderBlogPage(InitializeBlog(Path.Combine(CurrentDirectory, "blog.db")), request);

Response RenderBlogPage(Blog blog, Request request)
{
    return SendSuspendDispatch(embed => Page("My Blog",
        RenderPosts(blog, embed),
        Form(("action", embed(InsertPostHandler)), ("method", "post"),
             newPostFormlet.Display(),
             Input(("type", "submit"), ("value", "Post")))));

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
