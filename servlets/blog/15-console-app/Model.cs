// The blog's model for the program: model-3.csx as a static class, since a project compiles .cs files, not scripts.
using Dapper;
using Microsoft.Data.Sqlite;

namespace BlogApp;

// A blog is where its database is; a post is a row of the posts table.
public record Blog(string Home);

public record Post(long Id, string Title, string Body);

public static class Model
{
    private static SqliteConnection Connect(Blog blog) => new("Data Source=" + blog.Home);

    // Makes the tables and the first posts unless the database has them already (Racket: initialize-blog!).
    public static Blog InitializeBlog(string home)
    {
        var blog = new Blog(home);
        using var db = Connect(blog);
        db.Open();
        using var setup = db.BeginTransaction();
        if (db.ExecuteScalar<long>("SELECT count(*) FROM sqlite_master WHERE name = 'posts'", transaction: setup) == 0)
        {
            db.Execute("""
                CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL);
                CREATE TABLE comments (pid INTEGER NOT NULL REFERENCES posts, content TEXT NOT NULL);
                INSERT INTO posts (title, body) VALUES ('First Post', 'This is my first post');
                INSERT INTO posts (title, body) VALUES ('Second Post', 'This is another post');
                INSERT INTO comments (pid, content) VALUES (1, 'First comment!');
                """, transaction: setup);
        }
        setup.Commit();
        return blog;
    }

    public static IReadOnlyList<Post> BlogPosts(Blog blog)
    {
        using var db = Connect(blog);
        return [.. db.Query<Post>("SELECT id, title, body FROM posts ORDER BY id DESC")];
    }

    public static Post BlogPost(Blog blog, long id)
    {
        using var db = Connect(blog);
        return db.QuerySingle<Post>("SELECT id, title, body FROM posts WHERE id = @id", new { id });
    }

    public static IReadOnlyList<string> PostComments(Blog blog, long postId)
    {
        using var db = Connect(blog);
        return [.. db.Query<string>(
            "SELECT content FROM comments WHERE pid = @postId ORDER BY rowid", new { postId })];
    }

    public static void BlogInsertPost(Blog blog, string title, string body)
    {
        using var db = Connect(blog);
        db.Execute("INSERT INTO posts (title, body) VALUES (@title, @body)", new { title, body });
    }

    public static void PostInsertComment(Blog blog, long postId, string comment)
    {
        using var db = Connect(blog);
        db.Execute("INSERT INTO comments (pid, content) VALUES (@postId, @comment)", new { postId, comment });
    }
}
