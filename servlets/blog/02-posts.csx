// Step 2: a blog is a list of posts; small functions turn posts into HTML elements.
// Run: scripts/devserve run servlets/blog/02-posts.csx

// A post has a title and a body.
record Post(string Title, string Body);

// The blog: a fixed list of posts, newest first.
Post[] blog =
[
    new("Second Post", "This is another post"),
    new("First Post", "This is my first post"),
];

// Start: every request gets the page of the whole blog.
Response Start(Request request) => RenderBlogPage(blog, request);

// The HTML page of a blog.
Response RenderBlogPage(Post[] posts, Request request) =>
    Response.Xexpr(
        Html(Head(Title("My Blog")),
             Body(H1("My Blog"),
                  RenderPosts(posts))),
        "<!DOCTYPE html>");

// One post: <div class="post">title<p>body</p></div>.
XElement RenderPost(Post post) =>
    Div(("class", "post"),
        post.Title,
        P(post.Body));

// All the posts, one after the other, inside <div class="posts">.
XElement RenderPosts(Post[] posts) =>
    Div(("class", "posts"),
        posts.Select(RenderPost));
