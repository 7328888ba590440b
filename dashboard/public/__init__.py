"""Pages anyone with a link may open, without logging in: invitations, password resets, shared trees.

Plain server-rendered HTML (no callbacks, no script): each request checks its token again, the page
works in WeChat's browser, and the share page's Open Graph tags are in the HTML a link preview reads.
"""
