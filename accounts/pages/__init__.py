"""Account pages under /account/ (namespace `accounts-pages`): API keys, connected apps and OAuth
applications (templates/accounts/)."""
