Feature: Logging in at the token endpoint
  Correct credentials give an access and a refresh token; anything else is
  refused, with the reason in DRF's usual shapes.

  @core
  Scenario: Correct credentials give two tokens
    When I log in
    Then the status must be 200
    And the media type must be "application/json"
    And the body must have exactly the keys "refresh", "access"
    And the body should be compact JSON

  @core
  Scenario: A wrong password is refused
    When I send POST to the token endpoint with the JSON body {"{username_field}": "{username}", "password": "not-the-password"}
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the header "WWW-Authenticate" should be "Bearer realm="api""
    And the body must have exactly the key "detail"
    And the body's "detail" should be "No active account found with the given credentials"

  @core
  Scenario: An unknown user is refused like a wrong password
    When I send POST to the token endpoint with the JSON body {"{username_field}": "no-such-user-9f3a", "password": "{password}"}
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body must have exactly the key "detail"
    And the body's "detail" should be "No active account found with the given credentials"

  @core @inactive
  Scenario: An inactive account is refused like a wrong password
    When I log in as the inactive user
    Then the status must be 401
    And the header "WWW-Authenticate" must start with "Bearer"
    And the body must have exactly the key "detail"
    And the body's "detail" should be "No active account found with the given credentials"

  @core
  Scenario: A missing password is named
    When I send POST to the token endpoint with the JSON body {"{username_field}": "{username}"}
    Then the status must be 400
    And the body must have exactly the key "password"
    And the body's "password" should be ["This field is required."]

  @core
  Scenario: Every missing field is named
    When I send POST to the token endpoint with the JSON body {}
    Then the status must be 400
    And the body must have exactly the keys "{username_field}", "password"
    And the body's "password" should be ["This field is required."]

  @core
  Scenario: Malformed JSON is a parse error
    When I send POST to the token endpoint with the JSON body {"{username_field}": 
    Then the status must be 400
    And the body must have exactly the key "detail"
    And the body's "detail" should start with "JSON parse error - "

  @recommended
  Scenario: A form-encoded login works like JSON
    When I send POST to the token endpoint with the form body {username_field}={username}&password={password}
    Then the status should be 200
    And the body should have exactly the keys "refresh", "access"

  @recommended
  Scenario: A text/plain body is an unsupported media type
    When I send POST to the token endpoint with the body {"{username_field}": "{username}", "password": "{password}"} as "text/plain"
    Then the status should be 415
    And the body's "detail" should be "Unsupported media type \"text/plain\" in request."
