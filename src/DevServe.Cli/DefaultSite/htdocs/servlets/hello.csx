// /servlets/hello.csx: a servlet is a file; its URL is its path under htdocs/.
Response Start(Request request) =>
    Response.Html("<html><head><title>Hello</title></head><body><p>Hello, Web!</p></body></html>");
