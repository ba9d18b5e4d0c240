Feature: JSON answers are labelled as JSON
  Every answer with a JSON body must have the media type application/json
  (parameters such as charset allowed). The runner checks this on every
  answer of every scenario; these scenarios name the common ones.

  @core
  Scenario: Errors and successes alike are application/json
    When I send GET to the user endpoint
    Then the media type must be "application/json"
    When I send POST to the token endpoint with the JSON body {}
    Then the media type must be "application/json"
    When I log in
    Then the media type must be "application/json"
    When I send POST to the refresh endpoint with the JSON body {"refresh": "{refresh}"}
    Then the media type must be "application/json"
    When I send GET to the user endpoint with the header "Authorization: Bearer {access}"
    Then the media type must be "application/json"
