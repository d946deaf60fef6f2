// The blog's model, kept in a file: the blog is read from its home, a JSON file, and written back after every
// change. 11-persistence.csx loads it with #load "model-2.csx" (Racket: model-2.rkt).
using System.Text.Json;

record Post(string Title, string Body)
{
    public IReadOnlyList<string> Comments { get; set; } = [];
}

// A blog knows its home, the file it is kept in; the file holds only the posts.
class Blog(string home, IReadOnlyList<Post> posts)
{
    public string Home { get; } = home;
    public IReadOnlyList<Post> Posts { get; set; } = posts;
}

var json = new JsonSerializerOptions { WriteIndented = true };

// The blog kept at home; when there is no file yet, the first two posts (Racket: initialize-blog!).
Blog InitializeBlog(string home) =>
    new(home, File.Exists(home)
        ? JsonSerializer.Deserialize<List<Post>>(File.ReadAllText(home), json)!
        : [
            new("Second Post", "This is another post"),
            new("First Post", "This is my first post") { Comments = ["First comment!"] },
        ]);

// Writes the posts to the blog's home, replacing what was there (Racket: save-blog!).
void SaveBlog(Blog blog) => File.WriteAllText(blog.Home, JsonSerializer.Serialize(blog.Posts, json));

// Puts a new post on top of the blog, and saves the blog.
void BlogInsertPost(Blog blog, string title, string body)
{
    lock (blog)
    {
        blog.Posts = [new(title, body), .. blog.Posts];
        SaveBlog(blog);
    }
}

// Adds a comment at the end of a post's comments, and saves the blog the post is in.
void PostInsertComment(Blog blog, Post post, string comment)
{
    lock (blog)
    {
        post.Comments = [.. post.Comments, comment];
        SaveBlog(blog);
    }
}
