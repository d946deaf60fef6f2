// The blog's model in SQLite: posts and comments are rows of two tables in a database file, and a post is known
// by its id. 12-sqlite.csx loads it with #load "model-3.csx" (Racket: model-3.rkt).
#r "nuget: Microsoft.Data.Sqlite, 10.0.15"
#r "nuget: Dapper, 2.1.66"
using Dapper;
using Microsoft.Data.Sqlite;

// A blog is where its database is; a post is a row of the posts table.
record Blog(string Home);
record Post(long Id, string Title, string Body);

// A connection to the blog's database, for one use: Dapper opens and closes it, SQLite pools it.
SqliteConnection Connect(Blog blog) => new("Data Source=" + blog.Home);

// Makes the tables and the first posts unless the database has them already (Racket: initialize-blog!). The
// transaction lets one connection at a time in, even from another process, so the tables are made only once.
Blog InitializeBlog(string home)
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

// The posts, newest first (Racket: blog-posts).
IReadOnlyList<Post> BlogPosts(Blog blog)
{
    using var db = Connect(blog);
    return [.. db.Query<Post>("SELECT id, title, body FROM posts ORDER BY id DESC")];
}

// The post with this id.
Post BlogPost(Blog blog, long id)
{
    using var db = Connect(blog);
    return db.QuerySingle<Post>("SELECT id, title, body FROM posts WHERE id = @id", new { id });
}

// A post's comments, oldest first (Racket: post-comments).
IReadOnlyList<string> PostComments(Blog blog, long postId)
{
    using var db = Connect(blog);
    return [.. db.Query<string>(
        "SELECT content FROM comments WHERE pid = @postId ORDER BY rowid", new { postId })];
}

// Adds a post. The @names are parameters: what a user typed is never part of the SQL.
void BlogInsertPost(Blog blog, string title, string body)
{
    using var db = Connect(blog);
    db.Execute("INSERT INTO posts (title, body) VALUES (@title, @body)", new { title, body });
}

// Adds a comment to the post with this id.
void PostInsertComment(Blog blog, long postId, string comment)
{
    using var db = Connect(blog);
    db.Execute("INSERT INTO comments (pid, content) VALUES (@postId, @comment)", new { postId, comment });
}
