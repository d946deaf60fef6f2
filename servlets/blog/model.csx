// The blog's model, in a file of its own: what a post and a blog are, the blog, and the two ways it changes.
// 10-model.csx loads it with #load "model.csx" (Racket: model.rkt, loaded with (require "model.rkt")).

// A post has a title, a body and comments; the comments can be replaced by a longer list.
record Post(string Title, string Body)
{
    public IReadOnlyList<string> Comments { get; set; } = [];
}

// A blog is a list of posts that can be replaced by a longer one.
class Blog(IReadOnlyList<Post> posts)
{
    public IReadOnlyList<Post> Posts { get; set; } = posts;
}

// The blog, with its first two posts.
var blog = new Blog(
[
    new("Second Post", "This is another post"),
    new("First Post", "This is my first post") { Comments = ["First comment!"] },
]);

// Puts a post on top of the blog.
void BlogInsertPost(Blog blog, Post post) { lock (blog) blog.Posts = [post, .. blog.Posts]; }

// Adds a comment at the end of a post's comments.
void PostInsertComment(Post post, string comment) { lock (post) post.Comments = [.. post.Comments, comment]; }
