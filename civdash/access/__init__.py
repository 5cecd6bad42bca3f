"""Who may do what: accounts, roles and logins, the rules of the 账户管理 page, the audit log. Imports only
civdash.domain and civdash.store."""
